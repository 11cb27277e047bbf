# Faster R-CNN + FPN with a CR-ResNet50 backbone on COCO (the paper's Table 1 setting, mmdet's 1x recipe).
# `arch_file`: the crnas_arch.yaml of your search; the shipped default is ResNet-50's own allocation (a
# placeholder, see archs/r50_baseline-allocation.yaml). ImageNet initialisation: the paper re-pretrains
# every searched net; without that, map torchvision's ResNet-50 onto the searched stages with
#   python tools/model_converters/crnas_resnet_transfer.py resnet50.pth ARCH.yaml work_dirs/cr-r50_init.pth
# and set `init_checkpoint` to the output.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
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
