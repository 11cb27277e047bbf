# TRN with a ResNet-18 from scratch for the toy video clips (8 segments): an order-aware multi-scale relation
# head over per-frame features.
_base_ = ['mmaction::_base_/models/trn_r50.py']
model = dict(
    # partial_bn freezes every BN layer but the first: right for ImageNet weights, wrong from scratch
    backbone=dict(depth=18, pretrained=None, partial_bn=False),
    cls_head=dict(in_channels=512, num_segments=8))
