# CAMP released recipe, stage 3 (experiments/f30k_gate_fusion/config_finetune.yaml): stage 2's SGD, lr x 0.1
# every 50 epochs, validation every epoch, the best dev rsum kept. The released config runs "until the best
# rsum" (num_epochs 300); the epoch of the released checkpoint is not published: 30 epochs is our choice.
_base_ = ['./camp-stage2_sgd-66e.py']

param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=50, gamma=0.1)]
train_cfg = dict(max_epochs=30, val_interval=1)
