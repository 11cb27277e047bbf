# Mask R-CNN + FPN with a CR-ResNet50 backbone on COCO (the paper's Table 3 transfer); see
# faster-rcnn_cr-r50_fpn_1x_coco.py for `arch_file` and `init_checkpoint`.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

arch_file = '{{ fileDirname }}/archs/r50_baseline-allocation.yaml'
init_checkpoint = 'work_dirs/cr-r50_init.pth'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CRResNet',
        arch=arch_file,
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint=init_checkpoint)))
