# TSM-R50, 8 frames, ImageNet init, on Something-Something V1 (raw frames): mmaction2 has no such config;
# this is its TIN Sth-V1 recipe (same data, schedule and head) with TSM's shift (1/8 + 1/8 of the channels)
# and TSM's shifted head, so TSM and TIN differ only in the temporal operator.
# Toy twin: tsm_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tin/tin_imagenet-pretrained-r50_8xb6-1x1x8-40e_sthv1-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(backbone=dict(type='ResNetTSM', shift_div=8), cls_head=dict(is_shift=True))
