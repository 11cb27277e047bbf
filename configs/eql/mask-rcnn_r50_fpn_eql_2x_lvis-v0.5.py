# Mask R-CNN R50-FPN with the Equalization Loss (Tan et al., CVPR 2020) on LVIS v0.5, without repeat-factor
# sampling: mask-rcnn_r50_fpn_eql_sample1e-3_2x_lvis-v0.5.py trained on the plain LVIS v0.5 set, the paper's
# main setting (the "R50 + EQL" row of the official EQL README: 24.0 mask AP).
_base_ = './mask-rcnn_r50_fpn_eql_sample1e-3_2x_lvis-v0.5.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# the dataset that mmdet's ClassBalancedDataset wraps, unwrapped
train_dataloader = dict(dataset=dict(_delete_=True, **_base_.train_dataloader.dataset.dataset))
