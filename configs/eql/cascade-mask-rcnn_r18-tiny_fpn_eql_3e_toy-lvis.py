# The toy Cascade Mask R-CNN (cascade-mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py) with the Equalization Loss in all
# three bbox-head stages: sigmoid classifiers with C outputs, tail = rare + common. Runs on a CPU.
_base_ = ['./cascade-mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/sigmoid-cls_init.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.num_classes  # the toy set's categories
# The training annotations of the base config: the frequencies f_j are computed from them.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'
# rare + common, as mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py (see there why by group)
eql_tail_groups = 'rc'

# The base's stages with the sigmoid classifier (the same tail in every stage).
model = dict(roi_head=dict(bbox_head=[
    dict(stage,
         loss_cls=dict(type='EqualizationLoss', num_classes=num_classes, ann_file=train_ann_file,
                       tail_groups=eql_tail_groups),
         init_cfg=_base_.sigmoid_cls_init_cfg) for stage in _base_.model.roi_head.bbox_head
]))
