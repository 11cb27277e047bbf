# SlowFast on the toy motion clips (direction of motion, 2 classes): a 3D network on all 16 frames (fast
# path) and every 4th (slow path). Toy twin of slowfast_r50_*_{kinetics400,sthv1,sthv2}-rgb.py.
_base_ = [
    '../_base_/models/slowfast_r18_toy-video.py', '../_base_/datasets/toy-video_motion-rawframes.py',
    '../_base_/schedules/toy-video_adamw-cosine_12e.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=_base_.num_classes))
train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline_3d))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline_3d))
test_dataloader = val_dataloader
