# The toy Faster R-CNN (faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py) with the Equalization Loss: sigmoid
# classifier with C outputs, tail = rare + common. Runs on a CPU.
_base_ = ['./faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/sigmoid-cls_init.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.num_classes  # the toy set's categories
# The training annotations of the base config: the frequencies f_j are computed from them.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'
# rare + common, as mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py (see there why by group)
eql_tail_groups = 'rc'

# (_delete_ drops CrossEntropyLoss's use_sigmoid)
model = dict(roi_head=dict(bbox_head=dict(
    loss_cls=dict(_delete_=True, type='EqualizationLoss', num_classes=num_classes, ann_file=train_ann_file,
                  tail_groups=eql_tail_groups),
    init_cfg=_base_.sigmoid_cls_init_cfg)))
