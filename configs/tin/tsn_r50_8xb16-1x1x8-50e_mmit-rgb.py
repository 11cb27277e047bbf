# TSN-R50, 8 segments, ImageNet init, on Multi-Moments in Time (313 classes, multi-label, BCE, mAP); cf.
# mmaction2 0.x's TSN-R101 1x1x5 MMiT config (61.09 mAP) and X-Temporal's TSN-R101 5f (58.9).
# Toy twin: tsn_r18_1x1x8_12e_toy-video-multilabel.py.
_base_ = [
    'mmaction::_base_/models/tsn_r50.py', '../_base_/datasets/mmit-video_rgb.py',
    'mmaction::_base_/schedules/sgd_tsm_50e.py', 'mmaction::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(cls_head=_base_.mmit_head)
