# Cascade Mask R-CNN with Equalization Loss v2 in all three bbox-head stages, tiny, on the toy long-tailed
# LVIS set (`python tools/data/toy_lvis.py --out data/toy_lvis`): mmdet's Cascade Mask R-CNN R50-FPN made as
# small as mmx's tiny Mask R-CNN (configs/_base_/models/mask-rcnn_r18-tiny_fpn.py), with the schedule of
# configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py. Runs on a CPU.
_base_ = [
    'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py',
    '../_base_/datasets/toy-lvis_v1_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 24
max_epochs = 3
base_lr = 0.02
feat_channels = 64
# The training annotations of the dataset config, for the per-group weight logging.
train_ann_file = 'data/toy_lvis/annotations/lvis_v1_train.json'

# Every stage has its own EQLv2 statistics (each sees its own RoIs); the paper's defaults.
loss_cls = dict(
    type='EqualizationLossV2', num_classes=num_classes, gamma=12, mu=0.8, alpha=4, ann_file=train_ann_file)
# A given init_cfg replaces BBoxHead's default list, so all of it is restated; the change is the fc_cls
# bias, set for a prior probability of 0.001 as in the official code.
bbox_init_cfg = [
    dict(type='Normal', std=0.01, bias_prob=0.001, override=dict(name='fc_cls')),
    dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
    dict(type='Xavier', distribution='uniform',
         override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')]),
]
# the box-regression targets of mmdet's three stages
stage_stds = [[0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067]]

model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=feat_channels),
    rpn_head=dict(in_channels=feat_channels, feat_channels=feat_channels, anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=feat_channels),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=feat_channels,
                fc_out_channels=256,
                roi_feat_size=7,
                num_classes=num_classes,
                bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[0., 0., 0., 0.], target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=loss_cls,
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0),
                init_cfg=bbox_init_cfg) for stds in stage_stds
        ],
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
custom_hooks = [dict(type='EqualizationLossV2LoggerHook')]
