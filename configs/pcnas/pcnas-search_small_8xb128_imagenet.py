# PC-NAS search in the small space on ImageNet: the SPOS/ProxylessNAS-GPU MobileNet layout (21 layers,
# MBConv k3/5/7 x e3/6 + skip; the paper's exact small space is not transcribed, see README.md), a pool of
# P partial models, a hard GPU latency limit from a table measured on the target GPU:
#   python tools/nas/measure_latency.py configs/pcnas/pcnas-search_small_8xb128_imagenet.py \
#       --out work_dirs/pcnas_lut_gpu.json --device cuda --batch-size 32
#   bash tools/dist_train.sh ... or python tools/nas/search_pcnas.py THIS --work-dir work_dirs/pcnas_small
# P, the warm-up, the update interval and the number of completions are the paper's choices we could not
# read (README.md); the values below are ours.
_base_ = ['./_base_/imagenet-folder_pcnas.py']

# Frequently modified parameters
pool_size = 5  # P
warmup_iters = 50000  # uniform latency-feasible single-path training (about 5 epochs at 8 x 128)
interval_iters = 5000  # pool-restricted training between updates, per layer
num_layers = 21
lut = 'work_dirs/pcnas_lut_gpu.json'
latency_limit = None  # ms in the table's units, e.g. the latency of MobileNetV2 1.4x on your GPU
latency_limit_frac = 0.5  # used while latency_limit is None
nas_input_shape = (3, 224, 224)

max_iters = warmup_iters + num_layers * interval_iters
model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='PCNASSupernet', out_indices=(6, )),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=1000, in_channels=1728, topk=(1, 5)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, nesterov=True, weight_decay=4e-5))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
custom_hooks = [
    dict(type='PCNASPoolHook', lut=lut, latency_limit=latency_limit,
         latency_limit_frac=None if latency_limit else latency_limit_frac,
         search_dataloader={{_base_.search_dataloader}}, pool_size=pool_size, warmup_iters=warmup_iters,
         interval_iters=interval_iters, score='metric', metric_key='accuracy/top1', num_batches=10, seed=0)
]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=interval_iters,
                                     max_keep_ckpts=2))
log_processor = dict(by_epoch=False)
