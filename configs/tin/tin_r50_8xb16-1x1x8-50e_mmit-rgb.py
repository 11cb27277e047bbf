# TIN-R50, 8 frames, ImageNet init, on Multi-Moments in Time (313 classes, multi-label, BCE, mAP): the
# X-Temporal TIN-R50 8f setting (62.2 mAP single view there) with mmaction2's TSM 50-epoch schedule.
# Toy twin: tin_r18_1x1x8_12e_toy-video-multilabel.py.
_base_ = [
    'mmaction::_base_/models/tin_r50.py', '../_base_/datasets/mmit-video_rgb.py',
    'mmaction::_base_/schedules/sgd_tsm_50e.py', 'mmaction::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(type='ResNetTemporalInterlace', shift_div=4, num_segments=_base_.num_segments),
    cls_head=dict(num_segments=_base_.num_segments, **_base_.mmit_head))
