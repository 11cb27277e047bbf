# The toy twin of mask-rcnn_r50_fpn_eql_cross-dataset_1x_lvis-v1-coco.py: the tiny Mask R-CNN with EQL
# (configs/eql/mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py) on toy LVIS (with its federated lists, via
# LVISV1FederatedDataset) + a toy "COCO": source b of the toy cross-dataset pair (`python
# tools/data/toy_cross_dataset.py`), a COCO-format file of 16 of the 24 classes on the same images, as COCO's
# images are LVIS's. Its boxes and masks supervise those LVIS classes; its images give no negatives to the other
# 8 (DatasetAwareRoIHead). Runs on a CPU.
_base_ = '../eql/mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
lvis_federated = False  # True: only each image's positive and verified-negative classes count as annotated
coco_root = 'data/toy_cross_dataset/'
coco_classes = tuple(c for c in _base_.classes if c.split('_')[0] in ('green', 'yellow', 'cyan', 'magenta'))

coco_source = dict(
    type='CocoDataset', data_root=coco_root, data_prefix=dict(img='../toy_lvis/'),
    metainfo=dict(classes=coco_classes), filter_cfg=dict(filter_empty_gt=True, min_size=32))
train_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='lvis', federated=lvis_federated,
         dataset=dict(_base_.train_dataloader.dataset, type='LVISV1FederatedDataset')),
    dict(name='coco', dataset=dict(coco_source, ann_file='annotations/b_train.json',
                                   pipeline=_base_.train_pipeline)),
]))
val_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='lvis', dataset=_base_.val_dataloader.dataset),
    dict(name='coco', dataset=dict(coco_source, ann_file='annotations/b_val.json', test_mode=True,
                                   pipeline=_base_.test_pipeline)),
]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='CrossDatasetMetric', source_metrics=dict(
    lvis=_base_.val_evaluator,
    coco=dict(type='CocoMetric', ann_file=coco_root + 'annotations/b_val.json', metric=['bbox', 'segm'])))
test_evaluator = val_evaluator

model = dict(roi_head=dict(type='DatasetAwareRoIHead'))
