# Faster R-CNN + FPN with a PC-NAS backbone on COCO (the paper's detection transfer; its numbers and
# recipe are not transcribed, see README.md). Outputs of stages 0, 1, 3, 5 (strides 4, 8, 16, 32).
# `arch_file`: your search result (the default is the all-k3e6 reference, not PC-NAS-S); initialise the
# backbone with the ImageNet checkpoint of pcnas-small_8xb128-300e_imagenet.py via `init_checkpoint`
# (its keys start with 'backbone.', which the prefix below strips).
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

arch_file = '{{ fileDirname }}/archs/pcnas-small_reference-k3e6.yaml'
init_checkpoint = 'work_dirs/pcnas-small_imagenet/epoch_300.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='PCNASNet',
        arch=arch_file,
        out_indices=(0, 1, 3, 5),
        frozen_stages=0,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint=init_checkpoint, prefix='backbone.')),
    neck=dict(in_channels=[32, 56, 128, 432]))
