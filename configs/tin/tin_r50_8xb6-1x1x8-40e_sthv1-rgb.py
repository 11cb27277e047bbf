# TIN-R50, 8 frames, ImageNet init, on Something-Something V1: mmaction2's recipe with mmx's interlace
# backbone (runs on CPU and GPU; correct data gradient; loads mmaction2's TIN checkpoints unchanged).
# Toy twin: tin_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tin/tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv1-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# the other backbone arguments (depth=50, torchvision ImageNet weights, norm_eval=False) come from the base
model = dict(backbone=dict(type='ResNetTemporalInterlace', shift_div=4))
