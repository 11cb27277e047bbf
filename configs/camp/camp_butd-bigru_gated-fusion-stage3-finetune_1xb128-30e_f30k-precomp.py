# CAMP released recipe, stage 3 of 3 (experiments/f30k_gate_fusion/config_finetune.yaml): everything trains,
# same SGD, validation every epoch, the checkpoint with the best dev rsum is kept. The released config runs
# "until the best rsum" (num_epochs 300, lr x 0.1 every 50); the epoch of the released checkpoint is not
# published, 30 epochs is our choice.
#   python tools/train.py configs/camp/camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_f30k-precomp.py
#   python tools/test.py configs/camp/camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_f30k-precomp.py CKPT
_base_ = ['./camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp.py']

max_epochs = 30
model = dict(frozen=())
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=50, gamma=0.1)]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
load_from = 'work_dirs/camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp/epoch_66.pth'
