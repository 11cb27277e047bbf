# The toy long-tailed LVIS v1 set of mmx (`python tools/data/toy_lvis.py --out data/toy_lvis`): mmdet's
# LVIS v1 instance-segmentation data settings, with the toy folder, classes and 128-pixel images.
_base_ = 'mmdet::_base_/datasets/lvis_v1_instance.py'

data_root = 'data/toy_lvis/'
backend_args = None
# mmx.det.datasets.TOY_LVIS_CLASSES, in category-id order (a test checks that the two agree)
classes = (
    'blue_circle', 'blue_square', 'blue_star', 'blue_triangle', 'cyan_circle', 'cyan_cross',
    'cyan_diamond', 'cyan_triangle', 'green_circle', 'green_cross', 'green_star', 'green_triangle',
    'magenta_cross', 'magenta_diamond', 'magenta_square', 'magenta_star', 'red_circle',
    'red_square', 'red_star', 'red_triangle', 'yellow_diamond', 'yellow_square', 'yellow_star',
    'yellow_triangle',
)
metainfo = dict(classes=classes)

# LVIS's pipelines scaled from 800 to 128 pixels: the multi-scale training resize keeps LVIS's
# (short side, long side) layout over a narrower range, since 10-pixel toy objects cannot shrink much.
train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='RandomChoiceResize', scales=[(213, 112), (213, 120), (213, 128)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(213, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]

# The plain dataset replaces LVIS's ClassBalancedDataset(oversample_thr=1e-3). That threshold repeats
# images of categories found in fewer than 0.1% of the images: 100 of LVIS v1's 100k, but under one
# of the toy set's 600, so on the toy set the wrapper repeats nothing (every category is in >= 2
# images) and is pure overhead. The plain dataset is also the baseline the EQL paper compares with.
# For repeat-factor sampling with LVIS's meaning (oversample categories in < 100 images), wrap it in
# ClassBalancedDataset with oversample_thr = 100 / num_train (about 0.17 for 600 images).
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='LVISV1Dataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/lvis_v1_val.json',
        data_prefix=dict(img=''),
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(
    type='LVISMetric',
    ann_file=data_root + 'annotations/lvis_v1_val.json',
    metric=['bbox', 'segm'])
test_evaluator = val_evaluator
