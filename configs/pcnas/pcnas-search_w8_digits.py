# Tiny PC-NAS search on scikit-learn's digits (8x8 upscaled 4x to 32x32): an 8-layer MBConv supernet
# (k3/5/7 x e3/6, skip), pool size 3, a hard latency limit from a table measured on this machine's CPU.
# A few minutes on 2 CPU cores:
#   OMP_NUM_THREADS=1 python tools/nas/search_pcnas.py configs/pcnas/pcnas-search_w8_digits.py \
#       --work-dir work_dirs/pcnas_digits
# Data: archtrain / archval (candidate scores) / test split of ../_base_/datasets/digits_archsplit.py.
_base_ = ['../_base_/datasets/digits_archsplit.py', '../_base_/default_runtime_cls.py']

# Frequently modified parameters
pool_size = 3  # P
warmup_iters = 300  # uniform (latency-feasible) single-path training before the first pool update
interval_iters = 60  # training on the pool between two updates
stages = ((16, 2, 1), (24, 3, 2), (32, 3, 2))  # (channels, layers, first stride): 8 searchable layers
latency_limit_frac = 0.4  # limit: 40% of the way from the fastest to the slowest architecture
lut = 'work_dirs/pcnas_digits_lut_cpu.json'  # measured by tools/nas/search_pcnas.py if missing
nas_input_shape = (1, 8 * _base_.scale_factor, 8 * _base_.scale_factor)

max_iters = warmup_iters + 8 * interval_iters
model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[78.0], std=[96.0]),
    backbone=dict(
        type='PCNASSupernet',
        stages=stages,
        in_channels=1,
        stem_channels=16,
        first_channels=16,
        last_channels=128,
        out_indices=(3, )),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=10, in_channels=128, topk=(1, )))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [
    dict(type='PCNASPoolHook', lut=lut, latency_limit_frac=latency_limit_frac,
         search_dataloader=_base_.search_dataloader, pool_size=pool_size, warmup_iters=warmup_iters,
         interval_iters=interval_iters, score='metric', metric_key='accuracy/top1', num_batches=4, seed=0)
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=interval_iters,
                                     max_keep_ckpts=1),
                     logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)
