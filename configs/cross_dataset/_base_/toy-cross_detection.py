# The toy cross-dataset pair (`python tools/data/toy_cross_dataset.py`, from the toy LVIS images): source "a"
# annotates the red, blue, green and yellow shapes, source "b" the green, yellow, cyan and magenta ones, each on
# its own half of the training images, where the other classes' objects stay drawn but unlabelled. Trained as
# one CrossDataset over the union of the two label spaces; validated per source with each source's COCO AP,
# and on the classes each source leaves unannotated ("a_unannotated", "b_unannotated": the same validation
# images, scored on the classes the source never labels). The toy LVIS base gives the classes and the test
# settings; the loaders and the metric are replaced.
_base_ = '../../_base_/datasets/toy-lvis_v1_instance.py'

data_root = 'data/toy_cross_dataset/'
backend_args = None
# the unified classes: the toy LVIS categories in id order (source a's 16 and source b's 16 overlap on 8)
classes = _base_.classes
source_colours = dict(a=('red', 'blue', 'green', 'yellow'), b=('green', 'yellow', 'cyan', 'magenta'))
classes_a = tuple(c for c in classes if c.split('_')[0] in source_colours['a'])
classes_b = tuple(c for c in classes if c.split('_')[0] in source_colours['b'])

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomChoiceResize', scales=[(213, 112), (213, 120), (213, 128)], keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')  # CrossDataset adds source, source_id and annotated_labels to its meta keys
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='Resize', scale=(213, 128), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
# images without a box of their source's classes stay: their objects are all unlabelled, the case the
# dataset-aware loss is for
source_a_train = dict(
    type='CocoDataset', data_root=data_root, ann_file='annotations/a_train.json',
    data_prefix=dict(img='../toy_lvis/'), metainfo=dict(classes=classes_a),
    filter_cfg=dict(filter_empty_gt=False), pipeline=train_pipeline, backend_args=backend_args)
source_b_train = dict(source_a_train, ann_file='annotations/b_train.json', metainfo=dict(classes=classes_b))
val_sources = [
    dict(name=name, dataset=dict(
        type='CocoDataset', data_root=data_root, ann_file=f'annotations/{ann}.json',
        data_prefix=dict(img='../toy_lvis/'), metainfo=dict(classes=cls), test_mode=True,
        pipeline=test_pipeline, backend_args=backend_args))
    for name, ann, cls in (('a', 'a_val', classes_a), ('b', 'b_val', classes_b),
                           ('a_unannotated', 'a_val_unannotated', tuple(c for c in classes if c not in classes_a)),
                           ('b_unannotated', 'b_val_unannotated', tuple(c for c in classes if c not in classes_b)))
]

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(_delete_=True, type='CrossDataset', classes=classes,
                 sources=[dict(name='a', dataset=source_a_train), dict(name='b', dataset=source_b_train)]))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(_delete_=True, type='CrossDataset', classes=classes, sources=val_sources))
test_dataloader = val_dataloader

# each source's own metric (COCO box AP on its own classes), side by side
val_evaluator = dict(
    _delete_=True,
    type='CrossDatasetMetric',
    source_metrics={s['name']: dict(type='CocoMetric', ann_file=data_root + s['dataset']['ann_file'], metric='bbox')
             for s in val_sources})
test_evaluator = val_evaluator
