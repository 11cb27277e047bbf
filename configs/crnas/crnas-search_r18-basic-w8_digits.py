# Tiny CR-NAS search on scikit-learn's digits (8x8, upscaled 4x to 32x32) with a ResNet-18-budget
# (N = 8 BasicBlocks) supernet of 8 base channels; a few minutes on 2 CPU cores:
#   OMP_NUM_THREADS=1 python tools/nas/search_crnas.py configs/crnas/crnas-search_r18-basic-w8_digits.py \
#       --work-dir work_dirs/crnas_digits
# Data: archtrain / archval / test split of ../_base_/datasets/digits_archsplit.py.
_base_ = ['../_base_/datasets/digits_archsplit.py', '../_base_/default_runtime_cls.py']

# Frequently modified parameters
budget = 8  # N: ResNet-18's block count
base_channels = 8
supernet_iters = 600  # stage supernet training (SPOS, uniform single path)
op_supernet_iters = 300  # operation (dilation) supernet training, initialised from the stage supernet

# CR-NAS ResNet stage options (paper, Sec. 3.2.1)
stage_options = [list(range(1, 11)), list(range(1, 11)), [2, 3, 5, 6, 9, 11, 14, 17, 20, 23],
                 [2, 3, 4, 6, 7, 9, 11, 13, 15, 17]]

model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[78.0], std=[96.0]),
    backbone=dict(
        type='CRResNetSupernet',
        stage_options=stage_options,
        budget=budget,
        dilation_choices=(1, ),
        block='basic',
        in_channels=1,
        base_channels=base_channels,
        out_indices=(3, ),
        norm_eval=False),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=10, in_channels=base_channels * 8, topk=(1, )))

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=supernet_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=supernet_iters, val_interval=supernet_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
custom_hooks = [dict(type='SPOSSampleHook', seed=0)]
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100, max_keep_ckpts=1),
                     logger=dict(type='LoggerHook', interval=50))
log_processor = dict(by_epoch=False)

nas = dict(
    budget=budget,
    beam=3,  # K of Algorithm 1
    dilation_choices=(1, 2, 3),
    score='metric',  # top-1 on archval ('loss' scores by minus the cross-entropy)
    metric_key='accuracy/top1',
    num_batches=4,  # 200 archval images in batches of 50: a new random completion per batch
    seed=0,
    op_train_cfg=dict(type='IterBasedTrainLoop', max_iters=op_supernet_iters, val_interval=10**9))
