# CAMP released recipe, stage 1 (experiments/f30k_cross_attention/config_256.yaml): Adam at 0.002 x 128 / 256,
# lr x 0.1 every 50 epochs, gradient norm clipped at 2, validation every 5 epochs. The next stage starts from
# checkpoint_110, saved after the 111th epoch.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3), clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=50, gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=111, val_interval=5)
auto_scale_lr = dict(enable=False, base_batch_size=256)
