# Mask R-CNN R50-FPN with the Equalization Loss (Tan et al., CVPR 2020) on LVIS v1: mmdet's LVIS v1
# Mask R-CNN 1x, with the sigmoid EQL classifier and the plain (not repeat-factor sampled) training set,
# the baseline the EQL and EQLv2 papers compare with.
_base_ = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 1203
data_root = 'data/lvis_v1/'
# The category frequencies f_j are computed from this file at the first training step (reading LVIS v1's
# 1 GB training file takes a while; `python tools/data/lvis_frequency.py ANN --out FREQ.json` writes a
# small file with the same statistics that can be given instead).
train_ann_file = data_root + 'annotations/lvis_v1_train.json'
# λ of the official LVIS v1 EQL config (tztztztztz/eqlv2, configs/end2end/eql_r50_8x2_1x.py): with the
# ~100k training images of v1 it masks the categories in fewer than ~110 images, i.e. about rare + common.
eql_lambda = 0.0011

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,  # drop CrossEntropyLoss's use_sigmoid
                type='EqualizationLoss',
                num_classes=num_classes,
                ann_file=train_ann_file,
                lambda_=eql_lambda),
            # A given init_cfg replaces BBoxHead's default list, so all of it is restated; the change is the
            # fc_cls bias, set for a prior probability of 0.001 as in the paper (with sigmoid outputs the
            # default bias 0 would start every class at 0.5 and flood the loss with negatives).
            init_cfg=[
                dict(type='Normal', std=0.01, bias_prob=0.001, override=dict(name='fc_cls')),
                dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
                dict(type='Xavier', distribution='uniform',
                     override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')]),
            ])))

# mmdet's LVIS data settings without the ClassBalancedDataset (repeat-factor sampling) wrapper.
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='LVISV1Dataset',
        data_root=data_root,
        ann_file='annotations/lvis_v1_train.json',
        data_prefix=dict(img=''),
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline={{_base_.train_pipeline}},
        backend_args={{_base_.backend_args}}))
