# TRN-R50, 8 frames, ImageNet init, on Something-Something V1: mmaction2's config (X-Temporal suite).
# Toy twin: trn_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/trn/trn_imagenet-pretrained-r50_8xb16-1x1x8-50e_sthv1-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
