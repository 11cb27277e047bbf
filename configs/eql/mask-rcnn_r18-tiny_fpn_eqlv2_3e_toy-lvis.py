# The toy twin of mask-rcnn_r50_fpn_eqlv2_1x_lvis-v1.py: mmx's tiny Mask R-CNN on the toy long-tailed LVIS
# set (`python tools/data/toy_lvis.py --out data/toy_lvis`), with Equalization Loss v2. Runs on a CPU.
_base_ = '../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 24
# The training annotations of the base config, for the per-group weight logging.
train_ann_file = 'data/toy_lvis/annotations/lvis_v1_train.json'
# the paper's defaults
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

custom_hooks = [dict(type='EqualizationLossV2LoggerHook')]
