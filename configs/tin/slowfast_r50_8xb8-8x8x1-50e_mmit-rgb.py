# SlowFast-R50 8x8, from scratch, on Multi-Moments in Time (313 classes, multi-label, BCE, mAP); the MMiT
# challenge's SlowFast-101 8x8 scored 59.9 mAP. Schedule: mmaction2's plain 50-epoch SGD (not tuned here).
# Toy twin: slowfast_r18_16x1x1_12e_toy-video-multilabel.py.
_base_ = [
    'mmaction::_base_/models/slowfast_r50.py', '../_base_/datasets/mmit-video_rgb.py',
    'mmaction::_base_/schedules/sgd_50e.py', 'mmaction::_base_/default_runtime.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(resample_rate=4, speed_ratio=4, slow_pathway=dict(fusion_kernel=7)),  # the 8x8 variant
    cls_head=_base_.mmit_head)
# one clip of 32 frames, every 2nd (8 for the slow path), instead of 8 segments
clip = dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1)
train_pipeline = [*_base_.train_pipeline[:1], clip, *_base_.train_pipeline[2:-2],
                  dict(type='FormatShape', input_format='NCTHW'), dict(type='PackActionInputs')]
val_pipeline = [*_base_.val_pipeline[:1], dict(clip, test_mode=True), *_base_.val_pipeline[2:-2],
                dict(type='FormatShape', input_format='NCTHW'), dict(type='PackActionInputs')]
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(batch_size=8, dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
auto_scale_lr = dict(base_batch_size=64)
