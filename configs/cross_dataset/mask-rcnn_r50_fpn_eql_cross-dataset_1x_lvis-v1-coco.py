# The LVIS 2019 setting (the EQL team's challenge entry, Tan et al., CVPR 2020: extra detection data filling
# LVIS's missing annotations; its exact recipe is not public, see configs/cross_dataset/README.md): Mask R-CNN
# R50-FPN with the Equalization Loss on LVIS v1 + COCO 2017 as one CrossDataset over LVIS's 1203 classes.
# - COCO's boxes and masks supervise the LVIS categories they correspond to (the merge map below); a COCO image
#   gives no negatives to the other LVIS categories (DatasetAwareRoIHead), which COCO never labels.
# - LVIS's lists are respected: an LVIS image's not-exhaustive categories (not_exhaustive_category_ids, kept
#   by LVISV1FederatedDataset) are not annotated there, so its background RoIs give them no negatives; with
#   lvis_federated = True only the image's positive and verified-negative (neg_category_ids) categories are.
# - EQL's weights and the annotated-class mask multiply (EqualizationLoss takes per-element weights).
# Check that the COCO source holds no LVIS validation image: LVIS v1 draws its images from COCO 2017.
_base_ = '../eql/mask-rcnn_r50_fpn_eql_1x_lvis-v1.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
lvis_federated = False  # True: only each image's positive and verified-negative categories count as annotated
coco_root = 'data/coco/'
# COCO's names -> LVIS v1's; the other 62 COCO names are LVIS names already. Dropped (None): one COCO class that
# covers several LVIS categories (sports ball: soccer_ball, tennis_ball, ...; potted plant: flowerpot + plant)
# or none (hot dog), whose boxes would contradict LVIS's finer labels.
coco_to_lvis = {
    'car': 'car_(automobile)', 'bus': 'bus_(vehicle)', 'train': 'train_(railroad_vehicle)',
    'traffic light': 'traffic_light', 'fire hydrant': 'fireplug', 'stop sign': 'stop_sign',
    'parking meter': 'parking_meter', 'tie': 'necktie', 'skis': 'ski', 'sports ball': None,
    'baseball bat': 'baseball_bat', 'baseball glove': 'baseball_glove', 'tennis racket': 'tennis_racket',
    'wine glass': 'wineglass', 'orange': 'orange_(fruit)', 'hot dog': None, 'donut': 'doughnut',
    'couch': 'sofa', 'potted plant': None, 'dining table': 'dining_table', 'tv': 'television_set',
    'laptop': 'laptop_computer', 'mouse': 'mouse_(computer_equipment)', 'remote': 'remote_control',
    'keyboard': 'computer_keyboard', 'cell phone': 'cellular_telephone', 'microwave': 'microwave_oven',
    'teddy bear': 'teddy_bear', 'hair drier': 'hair_dryer',
}
lvis_train = dict(_base_.train_dataloader.dataset, type='LVISV1FederatedDataset')
coco_train = dict(
    type='CocoDataset', data_root=coco_root, ann_file='annotations/instances_train2017.json',
    data_prefix=dict(img='train2017/'), filter_cfg=dict(filter_empty_gt=True, min_size=32),
    pipeline=_base_.train_pipeline, backend_args=_base_.backend_args)
# LVIS first: the unified classes are LVIS's, in LVIS's order (every COCO name kept is an LVIS name), which
# the EQL frequencies (from LVIS's training file) and the head's 1203 outputs assume.
train_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='lvis', dataset=lvis_train, federated=lvis_federated),
    dict(name='coco', dataset=coco_train, label_map=coco_to_lvis),
]))
# one merged model: LVIS AP (bbox, segm) on LVIS v1 val, and COCO AP on COCO val2017 for the COCO classes it keeps
val_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='lvis', dataset=_base_.val_dataloader.dataset),
    dict(name='coco', label_map=coco_to_lvis, dataset=dict(
        type='CocoDataset', data_root=coco_root, ann_file='annotations/instances_val2017.json',
        data_prefix=dict(img='val2017/'), test_mode=True, pipeline=_base_.test_pipeline,
        backend_args=_base_.backend_args)),
]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='CrossDatasetMetric', source_metrics=dict(
    lvis=_base_.val_evaluator,
    coco=dict(type='CocoMetric', ann_file=coco_root + 'annotations/instances_val2017.json',
              metric=['bbox', 'segm'])))
test_evaluator = val_evaluator

model = dict(roi_head=dict(type='DatasetAwareRoIHead'))
