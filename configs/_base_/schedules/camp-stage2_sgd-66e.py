# CAMP released recipe, stage 2 (experiments/f30k_gate_fusion/config_fixatt.yaml): SGD 0.01 (0.01 x 128 / 128),
# momentum 0.9, Nesterov, weight decay 1e-4, lr x 0.1 every 45 epochs, clipping at 2. The next stage starts from
# checkpoint_65 (the 66th epoch).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, nesterov=True, weight_decay=1e-4),
    clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=45, gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=66, val_interval=5)
auto_scale_lr = dict(enable=False, base_batch_size=128)
