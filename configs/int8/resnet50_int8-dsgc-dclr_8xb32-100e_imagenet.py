# Unified INT8 training (DSGC + DCLR) of ResNet-50 on ImageNet-1k, from scratch (the paper: 76.60 FP32 ->
# 76.34 INT8 top-1, configs/int8/README.md). mmdet's ResNet as the substrate's backbone; not trained by mmx.
#   bash tools/dist_train.sh configs/int8/resnet50_int8-dsgc-dclr_8xb32-100e_imagenet.py 8
_base_ = './_base_/imagenet-folder_8xb32_int8.py'

# Frequently modified parameters
max_epochs = 100
base_lr = 0.1  # for 8 x 32 images

model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(
        type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='mmdet.ResNet', depth=50, out_indices=(3, ), norm_cfg=dict(type='BN'), style='pytorch',
                  init_cfg=dict(type='Kaiming', layer='Conv2d')),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=1000, in_channels=2048, topk=(1, 5)))

# DCLR (alpha = 20, beta = 0.1) around standard SGD
optim_wrapper = dict(
    type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1,
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[30, 60, 90], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=256)
