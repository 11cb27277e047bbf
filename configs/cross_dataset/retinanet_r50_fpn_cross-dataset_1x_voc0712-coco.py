# RetinaNet R50-FPN trained on voc0712-coco at once with the dataset-aware focal loss of Yao et al., "Cross-dataset
# Training for Class Increasing Object Detection" (arXiv 2001.04621): a background anchor gives no negative
# gradient to the classes its image's source does not annotate (DatasetAwareRetinaHead).
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/voc0712-coco_detection.py',  # data, iteration-based schedule, runtime
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

num_classes = 80  # the unified classes: COCO's 80 (VOC's 20 are among them)
model = dict(bbox_head=dict(type='DatasetAwareRetinaHead', num_classes=num_classes))
# mmdet's RetinaNet setting (retinanet_r50_fpn_1x_coco.py): SGD lr 0.01 for 16 images
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001))
