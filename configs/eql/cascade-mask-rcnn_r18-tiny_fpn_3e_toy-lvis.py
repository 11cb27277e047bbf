# The softmax cross-entropy baseline of the toy Cascade Mask R-CNN configs: mmdet's Cascade Mask R-CNN R50-FPN
# made as small as mmx's tiny Mask R-CNN (configs/_base_/models/mask-rcnn_r18-tiny_fpn.py), on the toy
# long-tailed LVIS set (`python tools/data/toy_lvis.py --out data/toy_lvis`) with the schedule of the main toy
# job, configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py. Runs on a CPU.
_base_ = [
    'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py',
    '../_base_/datasets/toy-lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = len(_base_.classes)  # the toy set's categories, from the dataset config
max_epochs = 3
base_lr = 0.02
feat_channels = 64

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=feat_channels),
    rpn_head=dict(in_channels=feat_channels, feat_channels=feat_channels, anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=feat_channels),
        # mmdet's three stages (their box-regression targets, class-agnostic regression), made small
        bbox_head=[dict(stage, in_channels=feat_channels, fc_out_channels=256, num_classes=num_classes)
                   for stage in _base_.model.roi_head.bbox_head],
        mask_roi_extractor=dict(out_channels=feat_channels),
        mask_head=dict(in_channels=feat_channels, conv_out_channels=feat_channels, num_convs=2,
                       num_classes=num_classes)),
    # (the three R-CNN stages keep mmdet's 512 sampled RoIs: train_cfg.rcnn is a list of full stage dicts)
    train_cfg=dict(rpn_proposal=dict(nms_pre=500, max_per_img=200)),
    # as mmdet's LVIS configs: LVIS evaluates up to 300 detections per image, down to tiny scores
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100), rcnn=dict(score_thr=0.0001, max_per_img=300)))

train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[max_epochs - 1],
         gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=base_lr), clip_grad=dict(max_norm=10, norm_type=2))
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_epochs))
log_processor = dict(window_size=10)
auto_scale_lr = dict(enable=False, base_batch_size=16)
randomness = dict(seed=0)  # as the main toy job, so that toy numbers are reproducible
