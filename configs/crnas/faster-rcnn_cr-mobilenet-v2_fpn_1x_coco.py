# Faster R-CNN + FPN with a CR-MobileNetV2 backbone on COCO (the paper's Table 1 MobileNetV2 row).
# `model.backbone.arch`: your search result (family cr_mobilenet_v2; `--cfg-options model.backbone.arch=ARCH.yaml`);
# the default is MobileNetV2's own stages (a placeholder, see archs/mobilenet-v2_baseline-allocation.yaml). Outputs of stages 2, 3, 5 and the last
# conv (strides 4, 8, 16, 32), as mmdet's MobileNetV2 detectors use.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(
    backbone=dict(
        _delete_=True,
        type='CRMobileNetV2',
        arch='{{ fileDirname }}/archs/mobilenet-v2_baseline-allocation.yaml',
        out_indices=(1, 2, 4, 7),
        norm_cfg=dict(type='BN', requires_grad=True),
        init_cfg=None),
    neck=dict(in_channels=[24, 32, 96, 1280]))
