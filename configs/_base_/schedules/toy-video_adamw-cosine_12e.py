# The toy video schedule and runtime: 12 epochs of AdamW with a 1-epoch warm-up and a cosine decay, gradient
# clipping as TSM/TIN use it, mmaction2's runtime with one checkpoint at the end and a fixed seed. From
# scratch (no ImageNet weights) on 8 clips a step, SGD (lr 0.02 or 0.005, momentum 0.9) diverged on the toy
# clips within the first epoch (the loss rose from 0.69 to 1.7-4.4); AdamW at 1e-3 trains TSM to ~90% in 3 epochs.
_base_ = ['mmaction::_base_/default_runtime.py']

max_epochs = 12
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_begin=1, val_interval=max_epochs)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-4),
    clip_grad=dict(max_norm=20, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - 1, eta_min=0, by_epoch=True, begin=1, end=max_epochs,
         convert_to_iter_based=True)
]
default_hooks = dict(checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1), logger=dict(interval=10))
randomness = dict(seed=0)
