# mmdet's Mask R-CNN R50-FPN, made tiny for CPU runs on the toy data (about 2 M parameters;
# set num_classes of bbox_head and mask_head in the dataset-specific config):
# a ResNet-18 with 16 base channels trained from scratch (nothing is downloaded), a 64-channel FPN,
# smaller anchors for 10-50 px objects in ~128 px images, and fewer proposals and RoIs per image.
_base_ = 'mmdet::_base_/models/mask-rcnn_r50_fpn.py'

feat_channels = 64

model = dict(
    backbone=dict(
        depth=18,
        base_channels=16,
        frozen_stages=-1,  # from scratch: train every stage and every BN
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=feat_channels),
    rpn_head=dict(
        in_channels=feat_channels,
        feat_channels=feat_channels,
        # anchors of 16-256 px at strides 4-64 instead of 32-512 px
        anchor_generator=dict(scales=[4])),
    roi_head=dict(
        bbox_roi_extractor=dict(out_channels=feat_channels),
        bbox_head=dict(in_channels=feat_channels, fc_out_channels=256),
        mask_roi_extractor=dict(out_channels=feat_channels),
        mask_head=dict(in_channels=feat_channels, conv_out_channels=feat_channels, num_convs=2)),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=200),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=100)))
