# CPU twin of tsm_imagenet-pretrained-r50-mabn_8xb2-1x1x8-50e_kinetics400-rgb.py: TSM R18 on the toy motion
# clips (python tools/data/toy_video.py --out data/toy_video) with 2 clips (16 frames) a step and MABN in
# place of BN (plain convolutions, as in the real config, whose ImageNet filters must not be re-centred).
_base_ = '../tin/tsm_r18_1x1x8_12e_toy-video.py'

# Frequently modified parameters
clips_per_step = 2
# m = 4: the SMAs cover 8 clips, the toy recipe's batch; warm-ups shortened to fit its few hundred steps
norm_cfg = dict(type='MABN', buffer_size=4, momentum=0.02, warmup_iters=20, renorm_warmup_iters=100,
                requires_grad=True)

model = dict(backbone=dict(norm_cfg=norm_cfg, norm_eval=False))
train_dataloader = dict(batch_size=clips_per_step)
# the toy recipe's AdamW lr (1e-3 for 8 clips), scaled linearly to the clips per step
optim_wrapper = dict(optimizer=dict(lr=_base_.optim_wrapper.optimizer.lr * clips_per_step / 8))
