# Mask R-CNN R50-FPN with Equalization Loss v2 (Tan et al., CVPR 2021) on LVIS v1 with repeat-factor
# sampling: mmdet's LVIS v1 Mask R-CNN 1x, ClassBalancedDataset(oversample_thr=1e-3) included, with the EQLv2
# sigmoid classifier (C + 1 outputs, the last one an objectness/background logit) at the paper's gamma, mu,
# alpha (_base_/eqlv2_loss.py).
# - Schedule: 1x (12 epochs), that of the official EQLv2 config and of its README results (tztztztztz/eqlv2,
#   configs/end2end/eqlv2_r50_8x2_1x.py: 23.7 mask AP, 14.9 APr, without RFS); the repeated images make an
#   RFS epoch longer than a plain one, as in mmdet's sample1e-3 configs.
_base_ = [
    'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py',
    './_base_/eqlv2_loss.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.model.roi_head.bbox_head.num_classes  # LVIS v1's 1203, from mmdet's config
# Only used to log the mean weights per LVIS frequency group (EqualizationLossV2LoggerHook); a frequency
# file of tools/data/lvis_frequency.py is read faster, and None logs only the overall means.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, **_base_.eqlv2_loss_cls, num_classes=num_classes, ann_file=train_ann_file),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
