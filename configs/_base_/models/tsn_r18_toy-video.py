# TSN with a ResNet-18 from scratch (no download) for the toy video clips: frame features are averaged
# without regard to their order. The configs set the head's classes.
_base_ = ['mmaction::_base_/models/tsn_r50.py']
model = dict(backbone=dict(depth=18, pretrained=None), cls_head=dict(in_channels=512))
