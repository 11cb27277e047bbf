# VOC 07+12 and COCO 2017 as one CrossDataset (the VOC + COCO pair of Yao et al., arXiv 2001.04621): VOC's 20
# classes are merged into COCO's 80 by name (six renamed below), so the unified space is COCO's, and a VOC image
# gives no negatives to the 60 classes VOC does not label. mmdet's COCO pipelines (1333 x 800) for every source,
# so that one model sees one scale range. Batches mix the sources at a fixed ratio (GroupMultiSourceSampler,
# which also groups by aspect ratio), so the schedule is counted in iterations (COCO's 1x: 90k at 16 images).
# Also the schedule and runtime, which the multi-source sampler changes.
_base_ = [
    'mmdet::_base_/datasets/coco_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]

coco_root = 'data/coco/'
voc_root = 'data/VOCdevkit/'
# Frequently modified parameters
# images per batch from (coco, voc2007, voc2012): every batch of 4 holds 2 COCO and 2 VOC images; 4 GPUs x 4
# images give the 16 of mmdet's schedules (a batch must hold at least one image of each source)
source_ratio = [2, 1, 1]
max_iters = 90000

# The merge map: VOC's names that differ from COCO's (the other 14 are the same words).
voc_to_coco = dict(aeroplane='airplane', diningtable='dining table', motorbike='motorcycle',
                   pottedplant='potted plant', sofa='couch', tvmonitor='tv')
voc_train = dict(
    type='VOCDataset', data_root=voc_root, filter_cfg=dict(filter_empty_gt=True, min_size=32, bbox_min_size=32),
    pipeline=_base_.train_pipeline, backend_args=_base_.backend_args)
train_dataloader = dict(
    batch_size=4,
    sampler=dict(_delete_=True, type='GroupMultiSourceSampler', batch_size=4, source_ratio=source_ratio),
    batch_sampler=None,
    dataset=dict(_delete_=True, type='CrossDataset', sources=[
        dict(name='coco', dataset=_base_.train_dataloader.dataset),
        dict(name='voc2007', label_map=voc_to_coco,
             dataset=dict(voc_train, ann_file='VOC2007/ImageSets/Main/trainval.txt',
                          data_prefix=dict(sub_data_root='VOC2007/'))),
        dict(name='voc2012', label_map=voc_to_coco,
             dataset=dict(voc_train, ann_file='VOC2012/ImageSets/Main/trainval.txt',
                          data_prefix=dict(sub_data_root='VOC2012/'))),
    ]))
# one merged model, each source's own metric: COCO AP on COCO val2017, VOC mAP (11 points) on VOC 2007 test
val_dataloader = dict(dataset=dict(_delete_=True, type='CrossDataset', sources=[
    dict(name='coco', dataset=_base_.val_dataloader.dataset),
    dict(name='voc2007', label_map=voc_to_coco, dataset=dict(
        type='VOCDataset', data_root=voc_root, ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'), test_mode=True, pipeline=_base_.test_pipeline,
        backend_args=_base_.backend_args)),
]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='CrossDatasetMetric', source_metrics=dict(
    coco=_base_.val_evaluator,
    voc2007=dict(type='VOCMetric', metric='mAP', eval_mode='11points')))
test_evaluator = val_evaluator

# iteration-based 1x (the multi-source samplers are infinite)
train_cfg = dict(_delete_=True, type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=500),
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[60000, 80000], gamma=0.1)
]
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=10000))
log_processor = dict(by_epoch=False)
