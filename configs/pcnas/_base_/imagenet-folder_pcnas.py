# ImageNet-1k on mmx's classification substrate for the PC-NAS configs (the shared ImageNet-folder base, 128
# images per GPU), plus data/imagenet/archval/<wnid>/* for the search: images moved out of train (e.g. 50 per
# class), the held-out split candidates are scored on.
_base_ = ['../../_base_/default_runtime_cls.py', '../../_base_/datasets/imagenet-folder.py']

train_dataloader = dict(batch_size=128)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader
search_dataloader = dict(
    batch_size=128,
    num_workers=8,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='ImageFolderDataset', data_root=_base_.data_root, data_prefix=dict(img_path='archval'),
                 pipeline=_base_.test_pipeline, test_mode=True))
