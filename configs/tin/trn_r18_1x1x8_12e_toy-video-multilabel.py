# TRN on the multi-label toy clips (1-3 objects, labels = colour x direction, 6 classes): toy twin of
# trn_r50_*_mmit-rgb.py, with a BCE loss, logits as test scores and mAP.
_base_ = [
    '../_base_/models/trn_r18_toy-video.py', '../_base_/datasets/toy-video_motion-multilabel-rawframes.py',
    '../_base_/schedules/toy-video_adamw-cosine_12e.py'
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)
model = dict(cls_head=_base_.multilabel_head)
