# TIN with a ResNet-18 from scratch for the toy video clips (8 segments): each residual block interlaces 1/4
# of its channels in time by learned fractional offsets and per-frame weights.
_base_ = ['mmaction::_base_/models/tin_r50.py']
model = dict(
    backbone=dict(
        type='ResNetTemporalInterlace',  # mmx's, instead of mmaction2's ResNetTIN (CUDA only, mirrored gradient)
        depth=18,
        pretrained=None,
        pretrained2d=False,
        num_segments=8,
        shift_div=4),
    cls_head=dict(in_channels=512, num_segments=8))
