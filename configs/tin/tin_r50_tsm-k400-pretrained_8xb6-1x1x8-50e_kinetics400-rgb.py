# TIN-R50, 8 frames, on Kinetics-400, fine-tuned from mmaction2's TSM-R50 K400 checkpoint (its load_from):
# mmaction2's recipe with mmx's interlace backbone. Toy twin: tin_r18_1x1x8_12e_toy-video.py.
_base_ = ['mmaction::recognition/tin/tin_kinetics400-pretrained-tsm-r50_1x1x8-50e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(backbone=dict(type='ResNetTemporalInterlace', shift_div=4))
