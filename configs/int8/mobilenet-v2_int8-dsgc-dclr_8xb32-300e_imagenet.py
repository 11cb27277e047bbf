# Unified INT8 training (DSGC + DCLR) of MobileNetV2 on ImageNet-1k (the paper's first INT8-trained
# MobileNetV2: 72.39 FP32 -> about 71.2 INT8 top-1, configs/int8/README.md); depthwise convs are quantised
# too. mmdet's MobileNetV2 as the substrate's backbone; not trained by mmx.
#   bash tools/dist_train.sh configs/int8/mobilenet-v2_int8-dsgc-dclr_8xb32-300e_imagenet.py 8
_base_ = './_base_/imagenet-folder_8xb32_int8.py'

# Frequently modified parameters
max_epochs = 300
base_lr = 0.045  # for 8 x 32 images, the usual MobileNetV2 recipe (lr x 0.98 every epoch, wd 4e-5)

model = dict(
    type='SmallImageClassifier',
    data_preprocessor=dict(
        type='ImgDataPreprocessor', mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], bgr_to_rgb=True),
    backbone=dict(type='mmdet.MobileNetV2', widen_factor=1.0, out_indices=(7, ),
                  init_cfg=dict(type='Kaiming', layer='Conv2d')),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=1000, in_channels=1280, topk=(1, 5)))

optim_wrapper = dict(
    type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1,
    optimizer=dict(type='SGD', lr=base_lr, momentum=0.9, weight_decay=4e-5))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=1, gamma=0.98)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
auto_scale_lr = dict(enable=False, base_batch_size=256)
