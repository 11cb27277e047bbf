# The toy twin of mask-rcnn_r50_fpn_eqlv2_1x_lvis-v1.py: mmx's tiny Mask R-CNN on the toy long-tailed LVIS
# set (`python tools/data/toy_lvis.py --out data/toy_lvis`), with Equalization Loss v2 at the paper's gamma,
# mu, alpha (_base_/eqlv2_loss.py). Runs on a CPU.
_base_ = ['../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/eqlv2_loss.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.num_classes  # the toy set's categories
# The training annotations of the base config, for the per-group weight logging.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, **_base_.eqlv2_loss_cls, num_classes=num_classes, ann_file=train_ann_file),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
