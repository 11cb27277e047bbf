# Mask R-CNN R50-FPN with Equalization Loss v2 (Tan et al., CVPR 2021) on LVIS v1: mmdet's LVIS v1 Mask
# R-CNN 1x with the EQLv2 sigmoid classifier (C + 1 outputs) and the plain (not repeat-factor sampled)
# training set, as in the official EQLv2 1x config (tztztztztz/eqlv2, configs/eqlv2/eql_r50_8x2_1x.py).
_base_ = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 1203
data_root = 'data/lvis_v1/'
# Only used to log the mean weights per LVIS frequency group (EqualizationLossV2LoggerHook); a frequency
# file of tools/data/lvis_frequency.py is read faster, and None logs only the overall means.
train_ann_file = data_root + 'annotations/lvis_v1_train.json'
# EQLv2's mapping r = sigmoid(gamma * (g - mu)) and positive weight q = 1 + alpha * (1 - r): the
# paper's defaults.
eqlv2_gamma = 12
eqlv2_mu = 0.8
eqlv2_alpha = 4

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,  # drop CrossEntropyLoss's use_sigmoid
                type='EqualizationLossV2',
                num_classes=num_classes,
                gamma=eqlv2_gamma,
                mu=eqlv2_mu,
                alpha=eqlv2_alpha,
                ann_file=train_ann_file),
            # A given init_cfg replaces BBoxHead's default list, so all of it is restated; the change is the
            # fc_cls bias, set for a prior probability of 0.001 as in the official code.
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

custom_hooks = [dict(type='EqualizationLossV2LoggerHook')]
