# TRN-R50, 8 frames, ImageNet init, on Multi-Moments in Time (313 classes, multi-label, BCE, mAP); the MMiT
# challenge solution found TRN weaker than the others there. Toy twin: trn_r18_1x1x8_12e_toy-video-multilabel.py.
_base_ = [
    'mmaction::_base_/models/trn_r50.py', '../_base_/datasets/mmit-video_rgb.py',
    'mmaction::_base_/schedules/sgd_tsm_50e.py', 'mmaction::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(cls_head=dict(num_segments=_base_.num_segments, **_base_.mmit_head))
