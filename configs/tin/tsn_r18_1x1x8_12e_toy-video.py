# TSN on the toy motion clips (direction of motion, 2 classes): it averages frame features without regard to
# their order, so it should stay at chance. Toy twin of tsn_r50_*_{kinetics400,sthv1,sthv2}-rgb.py.
_base_ = [
    '../_base_/models/tsn_r18_toy-video.py', '../_base_/datasets/toy-video_motion-rawframes.py',
    '../_base_/schedules/toy-video_adamw-cosine_12e.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
model = dict(cls_head=dict(num_classes=_base_.num_classes))
