# CAMP released recipe, stage 3 of 3: everything trains from the stage-2 weights; the best dev rsum is kept.
#   python tools/train.py configs/camp/camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_f30k-precomp.py
#   python tools/test.py configs/camp/camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_f30k-precomp.py CKPT
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/f30k_precomp.py',
    '../_base_/schedules/camp-stage3_sgd-30e.py', '../_base_/default_runtime_retrieval.py'
]

load_from = 'work_dirs/camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp/epoch_66.pth'
