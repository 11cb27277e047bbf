# SmallConvNet classifier for grey 8x8 digits: three conv-BN-ReLU stages (8x8 -> 8x8 -> 4x4 -> 2x2),
# global average pooling, a linear head. 10 classes.
model = dict(
    type='SmallImageClassifier',
    # Rounded pixel mean/std of DigitsDataset's uint8 images (grey levels 0..16 scaled to 0..255).
    data_preprocessor=dict(type='ImgDataPreprocessor', mean=[78.0], std=[96.0]),
    backbone=dict(
        type='SmallConvNet',
        in_channels=1,
        widths=(32, 64, 128),
        strides=(1, 2, 2),
        depths=(1, 1, 1),
        norm_cfg=dict(type='BN'),
        act_cfg=dict(type='ReLU')),
    neck=dict(type='GlobalAvgPoolNeck'),
    head=dict(type='LinearClassifierHead', num_classes=10, in_channels=128, topk=(1, )))
