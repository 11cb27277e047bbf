# TSN-R50, 8 segments, ImageNet init, on Kinetics-400: mmaction2's config, listed here as part of the
# X-Temporal suite. Toy twin: tsn_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tsn/tsn_imagenet-pretrained-r50_8xb32-1x1x8-100e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
