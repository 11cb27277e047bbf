# The dual-encoder (VSE-style) baseline on Flickr30K precomp features: CAMP's encoders, mean pooling, cosine,
# VSE++ hinge with hardest negatives (margin 0.2), Adam 2e-4 for 15 epochs then 2e-5 (VSE++'s schedule).
_base_ = ['../_base_/datasets/f30k_precomp.py', '../_base_/default_runtime_retrieval.py']

model = dict(
    type='VSEDualEncoder',
    vocab_size=8590,
    img_dim=2048,
    word_dim=300,
    embed_dim=1024,
    loss=dict(type='VSEHingeLoss', margin=0.2, max_violation=True),
    eval_cfg=dict(img_chunk=1000, txt_chunk=5000))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4), clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[15], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
# VSE++ warms up with all negatives for one epoch before the hardest ones: 145,000 captions / 128
custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=1133)]
auto_scale_lr = dict(enable=False, base_batch_size=128)
