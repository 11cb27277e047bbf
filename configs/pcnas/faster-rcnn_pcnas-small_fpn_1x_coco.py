# Faster R-CNN + FPN with a PC-NAS backbone on COCO (the paper's detection transfer; its numbers and
# recipe are not transcribed, see README.md). Outputs of stages 0, 1, 3, 5 (strides 4, 8, 16, 32).
# `model.backbone.arch`: your search result (the default is the all-k3e6 reference, not PC-NAS-S); initialise
# the backbone with the ImageNet checkpoint of pcnas-small_8xb128-300e_imagenet.py via
# `model.backbone.init_cfg.checkpoint` (its keys start with 'backbone.', which the prefix below strips).
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='PCNASNet',
        arch='{{ fileDirname }}/archs/pcnas-small_reference-k3e6.yaml',
        out_indices=(0, 1, 3, 5),
        frozen_stages=0,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='work_dirs/pcnas-small_imagenet/epoch_300.pth', prefix='backbone.')),
    neck=dict(in_channels=[32, 56, 128, 432]))
