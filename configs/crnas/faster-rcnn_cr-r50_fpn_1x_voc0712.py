# Faster R-CNN + FPN with a CR-ResNet50 backbone on Pascal VOC 07+12, tested on VOC07 test (the paper's
# VOC transfer; its fine-tuning recipe, Appendix C, is not transcribed: mmdet's VOC recipe is used).
# See faster-rcnn_cr-r50_fpn_1x_coco.py for `arch_file` and `init_checkpoint`.
_base_ = 'mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py'
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
