# The toy Cascade Mask R-CNN (cascade-mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py) with Equalization Loss v2 in all
# three bbox-head stages: sigmoid classifiers with C + 1 outputs, the paper's gamma, mu, alpha
# (_base_/eqlv2_loss.py). Runs on a CPU.
_base_ = ['./cascade-mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/eqlv2_loss.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = _base_.num_classes  # the toy set's categories
# The training annotations of the base config, for the per-group weight logging.
train_ann_file = _base_.data_root + 'annotations/lvis_v1_train.json'

# The base's stages with the sigmoid classifier; every stage keeps its own EQLv2 statistics (each sees its
# own RoIs).
model = dict(roi_head=dict(bbox_head=[
    dict(stage, loss_cls=dict(**_base_.eqlv2_loss_cls, num_classes=num_classes, ann_file=train_ann_file),
         init_cfg=_base_.sigmoid_cls_init_cfg) for stage in _base_.model.roi_head.bbox_head
]))
