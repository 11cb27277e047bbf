# TIN-R50, 8 frames, ImageNet init, on Something-Something V2 (mmaction2's recipe, mmx's interlace backbone).
# Toy twin: tin_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tin/tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv2-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(backbone=dict(type='ResNetTemporalInterlace', shift_div=4))
