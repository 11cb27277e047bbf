# The bbox-head init_cfg of the sigmoid classifiers (EQL, EQLv2): BBoxHead's default initialisation with
# the fc_cls bias set for a prior probability of 0.001, as in both official codes (with sigmoid outputs the
# default bias 0 would start every class at 0.5 and flood the loss with negatives). A given init_cfg
# replaces BBoxHead's whole default list, so all of it is restated here, once. It is a variable, not a
# model, so that it can stand beside any model config in a `_base_` list; a config uses it as
# `bbox_head=dict(init_cfg=_base_.sigmoid_cls_init_cfg)`.
sigmoid_cls_init_cfg = [
    dict(type='Normal', std=0.01, bias_prob=0.001, override=dict(name='fc_cls')),
    dict(type='Normal', std=0.001, override=dict(name='fc_reg')),
    dict(type='Xavier', distribution='uniform',
         override=[dict(name='shared_fcs'), dict(name='cls_fcs'), dict(name='reg_fcs')]),
]
