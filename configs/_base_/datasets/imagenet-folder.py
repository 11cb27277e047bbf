# ImageNet-1k on mmx's classification substrate: data/imagenet/{train,val}/<wnid>/<image>.JPEG (val sorted into
# class folders), top-1/top-5. mmcv has no RandomResizedCrop (mmpretrain's is not a dependency, see
# ENVIRONMENT.md): training uses a random short-side resize to 224-320 px, a random 224 px crop and a flip, a
# lighter augmentation than the Inception-style crops of the papers.
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
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ImageFolderDataset', data_root=data_root, data_prefix=dict(img_path='val'),
                 pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(type='TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
