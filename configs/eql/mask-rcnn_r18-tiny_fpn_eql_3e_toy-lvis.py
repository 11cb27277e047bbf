# The toy twin of mask-rcnn_r50_fpn_eql_1x_lvis-v1.py: mmx's tiny Mask R-CNN on the toy long-tailed LVIS
# set (`python tools/data/toy_lvis.py --out data/toy_lvis`), with the Equalization Loss. Runs on a CPU.
_base_ = '../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
num_classes = 24
# The training annotations of the base config: the frequencies f_j are computed from them.
train_ann_file = 'data/toy_lvis/annotations/lvis_v1_train.json'
# The tail is rare + common, the set the paper's λ selects on LVIS v0.5 (and about the set of the
# official v1 λ = 0.0011). Given by group because the toy set's 600 images put every frequency far above
# LVIS's λ values.
eql_tail_groups = 'rc'

model = dict(
    roi_head=dict(
        bbox_head=dict(
            loss_cls=dict(
                _delete_=True,  # drop CrossEntropyLoss's use_sigmoid
                type='EqualizationLoss',
                num_classes=num_classes,
                ann_file=train_ann_file,
                tail_groups=eql_tail_groups),
            # A given init_cfg replaces BBoxHead's default list, so all of it is restated; the change is the
            # fc_cls bias, set for a prior probability of 0.001 as in the paper.
            init_cfg=[
                dict(type='Normal', std=0.01, bias_prob=0.001, override=dict(name='fc_cls')),
                dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
                dict(type='Xavier', distribution='uniform',
                     override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')]),
            ])))
