# Mask R-CNN + FPN with a CR-ResNet50 backbone on COCO (the paper's Table 3 transfer). The searched
# architecture and the ImageNet initialisation: see _base_/cr-r50_backbone.py.
_base_ = ['mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py', './_base_/cr-r50_backbone.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(backbone=_base_.cr_r50_backbone)
