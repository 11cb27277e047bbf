# CAMP released recipe, stage 2 of 3: gated fusion on the stage-1 weights (loaded by name; the fusion,
# aggregation and score layers start fresh), encoders and attention frozen, as the released model trains only
# fc_1, fc_2, fc_out and final_reduce_1/2 here (and mmx's shortlist head).
#   python tools/train.py configs/camp/camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/f30k_precomp.py',
    '../_base_/schedules/camp-stage2_sgd-66e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(frozen=('img_enc', 'txt_enc', 'fusion.img_key_fc', 'fusion.txt_key_fc', 'fusion.img_query_fc',
                     'fusion.txt_query_fc', 'fusion.weighted_img_key_fc', 'fusion.weighted_txt_key_fc',
                     'fusion.weighted_img_query_fc', 'fusion.weighted_txt_query_fc'))
# weights only (the official resume restores neither the epoch nor the optimiser)
load_from = 'work_dirs/camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp/epoch_111.pth'
