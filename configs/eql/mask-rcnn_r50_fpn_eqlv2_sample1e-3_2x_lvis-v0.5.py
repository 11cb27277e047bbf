# Mask R-CNN R50-FPN with Equalization Loss v2 (Tan et al., CVPR 2021) on LVIS v0.5 with repeat-factor
# sampling: mmdet's LVIS v0.5 Mask R-CNN 2x, ClassBalancedDataset(oversample_thr=1e-3) included, with the
# EQLv2 sigmoid classifier (C + 1 outputs, the last one an objectness/background logit) at the paper's gamma,
# mu, alpha (_base_/eqlv2_loss.py).
# - Schedule: 2x (24 epochs), mmdet's LVIS v0.5 schedule and EQL's on v0.5 (see
#   mask-rcnn_r50_fpn_eql_sample1e-3_2x_lvis-v0.5.py), so that EQL and EQLv2 compare on equal terms; the
#   official EQLv2 configs cover LVIS v1 only (1x).
_base_ = [
    'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-2x_lvis-v0.5.py',
    './_base_/eqlv2_loss.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.model.roi_head.bbox_head.num_classes  # LVIS v0.5's 1230, from mmdet's config
# Only used to log the mean weights per LVIS frequency group (EqualizationLossV2LoggerHook).
train_ann_file = _base_.data_root + 'annotations/lvis_v0.5_train.json'

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, **_base_.eqlv2_loss_cls, num_classes=num_classes, ann_file=train_ann_file),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
