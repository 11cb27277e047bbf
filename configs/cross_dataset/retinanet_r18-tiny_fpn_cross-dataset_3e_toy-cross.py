# The toy twin of retinanet_r50_fpn_cross-dataset_1x_*.py: RetinaNet with the dataset-aware focal loss
# (DatasetAwareRetinaHead; Yao et al., arXiv 2001.04621) on the toy pair (_base_/toy-cross_detection.py), made
# as small as mmx's tiny Mask R-CNN (ResNet-18 with 16 base channels from scratch, 64-channel FPN). Runs on a CPU.
_base_ = [
    'mmdet::_base_/models/retinanet_r50_fpn.py',
    './_base_/toy-cross_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = len(_base_.classes)  # the unified classes
max_epochs = 3
base_lr = 0.01  # mmdet's RetinaNet rate
feat_channels = 64

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=feat_channels),
    bbox_head=dict(
        type='DatasetAwareRetinaHead', num_classes=num_classes, in_channels=feat_channels,
        feat_channels=feat_channels, stacked_convs=2,
        # anchors from 16 px at stride 8 (mmdet: 32 px) for the toy set's 10-48 px objects
        anchor_generator=dict(octave_base_scale=2)))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[max_epochs - 1], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=base_lr), clip_grad=dict(max_norm=10, norm_type=2))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs))
log_processor = dict(window_size=10)
auto_scale_lr = dict(enable=False, base_batch_size=16)
randomness = dict(seed=0)
