# TRN-R50, 8 frames, ImageNet init, on Kinetics-400: mmaction2 has no such config; this is its TSN K400
# 1x1x8 recipe (data, schedule) with TRN's multi-scale relation head and partial BN (mmaction's
# _base_/models/trn_r50.py). Toy twin: trn_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(partial_bn=True),
    cls_head=dict(
        _delete_=True,  # TSNHead -> TRNHead
        type='TRNHead',
        num_classes=400,
        in_channels=2048,
        num_segments=8,
        spatial_type='avg',
        relation_type='TRNMultiScale',
        hidden_dim=256,
        dropout_ratio=0.8,
        init_std=0.001,
        average_clips='prob'))
