# The softmax cross-entropy baseline of the toy Faster R-CNN configs: the main toy job
# (configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py: mmx's tiny Mask R-CNN, mmdet's LVIS settings, the toy
# long-tailed LVIS set of `python tools/data/toy_lvis.py --out data/toy_lvis`) without its mask branch, as
# mmdet's faster-rcnn_r50_fpn.py is mask-rcnn_r50_fpn.py without it: boxes only, loaded, trained and
# evaluated (LVISMetric, bbox). Runs on a CPU.
_base_ = '../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# (the base's train_cfg.rcnn.mask_size is read by a mask head only, so it is left in place)
model = dict(
    type='FasterRCNN',
    data_preprocessor=dict(pad_mask=False),
    roi_head=dict(mask_roi_extractor=None, mask_head=None))

# the base's pipelines, with LoadAnnotations loading no masks
train_pipeline = [dict(step, with_mask=False) if step.type == 'LoadAnnotations' else step
                  for step in _base_.train_pipeline]
test_pipeline = [dict(step, with_mask=False) if step.type == 'LoadAnnotations' else step
                 for step in _base_.test_pipeline]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(metric='bbox')
test_evaluator = val_evaluator
