# VSE++'s schedule: Adam 2e-4 for 15 epochs then 2e-5, gradient norm clipped at 2, validation every epoch.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4), clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[15], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=128)
