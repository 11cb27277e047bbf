# Faster R-CNN + FPN with a CR-ResNet50 backbone on Pascal VOC 07+12, tested on VOC07 test (the paper's
# VOC transfer; its fine-tuning recipe, Appendix C, is not transcribed: mmdet's VOC recipe is used).
# The searched architecture and the ImageNet initialisation: see _base_/cr-r50_backbone.py.
_base_ = ['mmdet::pascal_voc/faster-rcnn_r50_fpn_1x_voc0712.py', './_base_/cr-r50_backbone.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(backbone=_base_.cr_r50_backbone)
