# TSN-R50, 8 segments, ImageNet init, on Something-Something V1 (raw frames): mmaction2 has no such config;
# this is its TRN Sth-V1 recipe (data, flip label map, schedule) with TSN's head and a plain-BN backbone.
# Toy twin: tsn_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(partial_bn=False),
    cls_head=dict(
        _delete_=True,  # TRNHead -> TSNHead (mmaction's _base_/models/tsn_r50.py, 174 classes)
        type='TSNHead',
        num_classes=174,
        in_channels=2048,
        spatial_type='avg',
        consensus=dict(type='AvgConsensus', dim=1),
        dropout_ratio=0.4,
        init_std=0.01,
        average_clips='prob'))
