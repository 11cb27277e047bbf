# A searched PC-NAS network (small space) trained from scratch on ImageNet. `model.backbone.arch`: the
# pcnas_arch.yaml of your search (`--cfg-options model.backbone.arch=ARCH.yaml`); the default is the space's all-k3e6 reference network, NOT PC-NAS-S
# (the paper's PC-NAS-S and -L op lists are not transcribed, see README.md). The paper retrains its
# searched nets from scratch; its schedule is not transcribed either: 300 epochs of cosine SGD here.
_base_ = ['./_base_/imagenet-folder_pcnas.py']

max_epochs = 300

model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='PCNASNet', arch='{{ fileDirname }}/archs/pcnas-small_reference-k3e6.yaml', out_indices=(6, )),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=1000, in_channels=1728, topk=(1, 5)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.5, momentum=0.9, nesterov=True, weight_decay=4e-5))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=5, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=5, end=max_epochs, convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
