# Faster R-CNN R50-FPN trained on coco-widerface at once with a dataset-aware sigmoid RoI classifier: the avoidance
# rule of Yao et al. (arXiv 2001.04621) applied to RoI negatives (DatasetAwareRoIHead): a background RoI gives no
# negative gradient to the classes its image's source does not annotate. The classifier is sigmoid with C
# outputs (RoISigmoidCELoss), since a softmax has no per-class negative to leave out; the RPN is unchanged.
_base_ = [
    'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    './_base_/coco-widerface_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../eql/_base_/sigmoid-cls_init.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

num_classes = 81  # the unified classes: COCO's 80, then "face"
model = dict(roi_head=dict(
    type='DatasetAwareRoIHead',
    bbox_head=dict(num_classes=num_classes,
                   loss_cls=dict(_delete_=True, type='RoISigmoidCELoss', num_classes=num_classes),
                   init_cfg=_base_.sigmoid_cls_init_cfg)))
