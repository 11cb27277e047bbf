# TSM with a ResNet-18 from scratch for the toy video clips (8 segments): each residual block shifts 1/8 of
# its channels one frame back and 1/8 one frame forward (mmaction2's ResNetTSM).
_base_ = ['mmaction::_base_/models/tsm_r50.py']
model = dict(
    backbone=dict(depth=18, pretrained=None, pretrained2d=False, num_segments=8),
    cls_head=dict(in_channels=512, num_segments=8))
