# The main job: mmdet's LVIS v1 Mask R-CNN setup (model, dataset, schedule, runtime bases, LVIS test
# settings), made tiny so that it trains on 2 CPU cores in minutes on the embedded toy LVIS data
# (`python tools/data/toy_lvis.py --out data/toy_lvis`), and evaluated with mmdet's LVISMetric.
_base_ = [
    '../_base_/models/mask-rcnn_r18-tiny_fpn.py',
    '../_base_/datasets/toy-lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 24  # categories of the toy LVIS set (mmx.det.datasets.toy_lvis.TOY_LVIS_CLASSES)
max_epochs = 3
base_lr = 0.02

model = dict(
    roi_head=dict(
        bbox_head=dict(num_classes=num_classes), mask_head=dict(num_classes=num_classes)),
    # as mmdet's LVIS configs: LVIS evaluates up to 300 detections per image, down to tiny scores
    test_cfg=dict(rcnn=dict(score_thr=0.0001, max_per_img=300)))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[max_epochs - 1],
         gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=base_lr), clip_grad=dict(max_norm=10, norm_type=2))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs))
log_processor = dict(window_size=10)
# LVIS runs use 8 GPUs x 2 images; the toy run uses 1 process x 4 images.
auto_scale_lr = dict(enable=False, base_batch_size=16)
randomness = dict(seed=0)  # a fixed seed makes the toy numbers in README.md reproducible
