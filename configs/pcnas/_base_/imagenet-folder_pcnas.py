# ImageNet-1k on mmx's classification substrate for the PC-NAS configs: data/imagenet/{train,val}/<wnid>/*
# (val sorted into class folders), plus data/imagenet/archval/<wnid>/* for the search: images moved out of
# train (e.g. 50 per class), the held-out split candidates are scored on. mmcv has no RandomResizedCrop
# (mmpretrain is not usable here, see ENVIRONMENT.md): a random short-side resize, a 224 px crop and a flip.
_base_ = ['../../_base_/default_runtime_cls.py']

data_root = 'data/imagenet/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResize', scale=(100000, 256), ratio_range=(0.875, 1.25), keep_ratio=True),
    dict(type='mmdet.RandomCrop', crop_size=(224, 224)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackImageClsInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(100000, 256), keep_ratio=True),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackImageClsInputs'),
]
train_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='val'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
search_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='archval'),
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
