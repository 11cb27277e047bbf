# CAMP released recipe, stage 2 of 3 (experiments/f30k_gate_fusion/config_fixatt.yaml): gated fusion on top of
# the stage-1 weights (loaded by name; the fusion layers start fresh), encoders and attention frozen: only the
# fusion, aggregation and score layers train, with SGD. Stage 3 starts from its checkpoint_65 (66th epoch).
#   python tools/train.py configs/camp/camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp.py
_base_ = ['./camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp.py']

batch_size = 128
base_lr = 0.01
max_epochs = 66

model = dict(
    head='gated_fusion',
    loss=dict(type='HardestNegativeBCELoss', from_logits=True),
    frozen=('img_enc', 'txt_enc', 'fusion.img_key_fc', 'fusion.txt_key_fc', 'fusion.img_query_fc',
            'fusion.txt_query_fc', 'fusion.weighted_img_key_fc', 'fusion.weighted_txt_key_fc',
            'fusion.weighted_img_query_fc', 'fusion.weighted_txt_query_fc'))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=base_lr, momentum=0.9, nesterov=True, weight_decay=1e-4))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=45, gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=batch_size)
# weights only (the official resume restores neither epoch nor optimiser); missing fusion layers are expected
load_from = 'work_dirs/camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp/epoch_111.pth'
