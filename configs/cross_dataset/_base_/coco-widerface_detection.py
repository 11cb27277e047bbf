# COCO 2017 and WIDER FACE as one CrossDataset (the COCO + WIDER FACE pair of Yao et al., arXiv 2001.04621):
# disjoint label spaces (COCO's 80 classes + "face"), so every source leaves the other's classes unannotated:
# a COCO image gives no negatives to "face" (COCO's people have unlabelled faces), a WIDER FACE image none to
# COCO's classes (its people, "person", are unlabelled). Each source keeps mmdet's pipeline for it (COCO
# 1333 x 800, WIDER FACE 640 x 640), and mmdet's default sampler draws from both in proportion to their size.
_base_ = 'mmdet::_base_/datasets/coco_detection.py'

wider_root = 'data/WIDERFace/'
wider_scale = (640, 640)  # mmdet's WIDER FACE setting (VGA)
wider_train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=wider_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
wider_test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=_base_.backend_args),
    dict(type='Resize', scale=wider_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='coco', dataset=_base_.train_dataloader.dataset),
    dict(name='wider_face', dataset=dict(
        type='WIDERFaceDataset', data_root=wider_root, ann_file='train.txt', data_prefix=dict(img='WIDER_train'),
        filter_cfg=dict(filter_empty_gt=True, bbox_min_size=17, min_size=32), pipeline=wider_train_pipeline)),
]))
# one merged model, each source's own metric: COCO AP on val2017, VOC-style mAP on WIDER FACE val (as mmdet)
val_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='coco', dataset=_base_.val_dataloader.dataset),
    dict(name='wider_face', dataset=dict(
        type='WIDERFaceDataset', data_root=wider_root, ann_file='val.txt', data_prefix=dict(img='WIDER_val'),
        test_mode=True, pipeline=wider_test_pipeline)),
]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='CrossDatasetMetric', source_metrics=dict(
    coco=_base_.val_evaluator,
    wider_face=dict(type='VOCMetric', metric='mAP', iou_thrs=0.5)))
test_evaluator = val_evaluator
