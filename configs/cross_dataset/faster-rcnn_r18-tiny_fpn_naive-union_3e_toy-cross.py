# The naive-union baseline of cross-dataset training on the toy pair (_base_/toy-cross_detection.py): mmx's
# tiny Faster R-CNN over the merged label space, sigmoid classifier, every background RoI a negative for every
# class, also for the classes its source never labels. Runs on a CPU in minutes.
_base_ = [
    '../_base_/models/mask-rcnn_r18-tiny_fpn.py',
    './_base_/toy-cross_detection.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../eql/_base_/sigmoid-cls_init.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = len(_base_.classes)  # the unified classes
max_epochs = 3
base_lr = 0.02

# Faster R-CNN = the tiny Mask R-CNN without its mask branch (as configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py);
# the RoI classifier is sigmoid with C outputs (RoISigmoidCELoss), the loss the dataset-aware twin masks.
model = dict(
    type='FasterRCNN',
    data_preprocessor=dict(pad_mask=False),
    roi_head=dict(
        mask_roi_extractor=None, mask_head=None,
        bbox_head=dict(num_classes=num_classes,
                       loss_cls=dict(_delete_=True, type='RoISigmoidCELoss', num_classes=num_classes),
                       init_cfg=_base_.sigmoid_cls_init_cfg)))

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
