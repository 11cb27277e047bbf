# Mask R-CNN R50-FPN with the Equalization Loss (Tan et al., CVPR 2020) on LVIS v1 with repeat-factor
# sampling: mmdet's LVIS v1 Mask R-CNN 1x, ClassBalancedDataset(oversample_thr=1e-3) included, with the
# sigmoid EQL classifier (C outputs, no background logit).
# - RFS: the official EQL + RFS runs use detectron2's RepeatFactorTrainingSampler (t = 0.0005, stochastic
#   rounding); mmdet's deterministic wrapper at t = 1e-3 is kept, to compare with mmdet's LVIS model zoo.
# - Schedule: 1x (12 epochs), as the official LVIS v1 configs (tztztztztz/eqlv2, configs/end2end/*_1x.py);
#   the repeated images make an RFS epoch longer than a plain one, as in mmdet's sample1e-3 configs.
_base_ = [
    'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py',
    './_base_/sigmoid-cls_init.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.model.roi_head.bbox_head.num_classes  # LVIS v1's 1203, from mmdet's config
# The category frequencies f_j are computed from this file at the first training step (reading LVIS v1's
# 1 GB training file takes a while; `python tools/data/lvis_frequency.py ANN --out FREQ.json` writes a
# small file with the same statistics that can be given instead).
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'
# λ of the official LVIS v1 EQL config (tztztztztz/eqlv2, configs/end2end/eql_r50_8x2_1x.py): with the
# ~100k training images of v1 it masks the categories in fewer than ~110 images, i.e. about rare + common.
eql_lambda = 0.0011

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, type='EqualizationLoss', num_classes=num_classes, ann_file=train_ann_file,
                  lambda_=eql_lambda),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
