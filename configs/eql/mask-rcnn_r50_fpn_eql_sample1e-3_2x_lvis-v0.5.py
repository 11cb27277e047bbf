# Mask R-CNN R50-FPN with the Equalization Loss (Tan et al., CVPR 2020) on LVIS v0.5 with repeat-factor
# sampling: mmdet's LVIS v0.5 Mask R-CNN 2x, ClassBalancedDataset(oversample_thr=1e-3) included, with the
# sigmoid EQL classifier (C outputs, no background logit): the "EQL + RFS" setting of the official EQL README.
# - RFS: the official runs use detectron2's RepeatFactorTrainingSampler (t = 0.0005, stochastic rounding);
#   mmdet's deterministic wrapper at t = 1e-3 is kept, to compare with mmdet's LVIS model zoo.
# - Schedule: 2x (24 epochs, LR steps at 16 and 22), mmdet's LVIS v0.5 schedule. It is also EQL's: the
#   official recipe (eql.detectron2, Base-EQL-RCNN-FPN.yaml) runs 90k iterations of 16 images with LR steps
#   at 60k and 80k, i.e. about 25 epochs of v0.5's 57k training images with steps near epochs 17 and 22.
_base_ = [
    'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-2x_lvis-v0.5.py',
    './_base_/sigmoid-cls_init.py',
]
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.model.roi_head.bbox_head.num_classes  # LVIS v0.5's 1230, from mmdet's config
# The category frequencies f_j are computed from this file at the first training step
# (`python tools/data/lvis_frequency.py ANN --out FREQ.json` writes a small file that can be given instead).
train_ann_file = _base_.data_root + 'annotations/lvis_v0.5_train.json'
# λ of the official code (eql.detectron2, cfg.py; the paper rounds it to 1.76e-3). f_j is the share of
# the ~56.7k annotated training images that hold class j, so λ * 56.7k ≈ 100.4: the masked tail is exactly
# the categories in at most 100 images, LVIS's rare + common groups (1.76e-3 would leave out those in
# exactly 100 images).
eql_lambda = 0.00177

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, type='EqualizationLoss', num_classes=num_classes, ann_file=train_ann_file,
                  lambda_=eql_lambda),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
