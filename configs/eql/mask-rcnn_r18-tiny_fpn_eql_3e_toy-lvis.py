# The toy twin of mask-rcnn_r50_fpn_eql_1x_lvis-v1.py: mmx's tiny Mask R-CNN on the toy long-tailed LVIS
# set (`python tools/data/toy_lvis.py --out data/toy_lvis`), with the Equalization Loss. Runs on a CPU.
_base_ = ['../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/sigmoid-cls_init.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.num_classes  # the toy set's categories
# The training annotations of the base config: the frequencies f_j are computed from them.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'
# The tail is rare + common, the set the paper's λ selects on LVIS v0.5 (and about the set of the
# official v1 λ = 0.0011). Given by group because the toy set's 600 images put every frequency far above
# LVIS's λ values.
eql_tail_groups = 'rc'

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, type='EqualizationLoss', num_classes=num_classes, ann_file=train_ann_file,
                  tail_groups=eql_tail_groups),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
