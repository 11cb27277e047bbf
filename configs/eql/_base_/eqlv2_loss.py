# Equalization Loss v2 (Tan et al., CVPR 2021) as used by every EQLv2 config of configs/eql: the loss settings
# that do not depend on the dataset (a config adds num_classes and ann_file), the per-group weight logging,
# and, through sigmoid-cls_init.py, the classifier initialisation. Variables and a hook list, not a model, so
# that this file stands beside any model config in a `_base_` list; a config uses it as
# `loss_cls=dict(_delete_=True, **_base_.eqlv2_loss_cls, num_classes=..., ann_file=...)`.
_base_ = './sigmoid-cls_init.py'

# EQLv2's mapping r = sigmoid(gamma * (g - mu)) and positive weight q = 1 + alpha * (1 - r): the paper's
# defaults.
eqlv2_loss_cls = dict(type='EqualizationLossV2', gamma=12, mu=0.8, alpha=4)

# logs the mean positive and negative weights, overall and per LVIS frequency group (from ann_file)
custom_hooks = [dict(type='EqualizationLossV2LoggerHook')]
