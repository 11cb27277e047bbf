# Mask R-CNN R50-FPN with the Equalization Loss (Tan et al., CVPR 2020) on LVIS v1, without repeat-factor
# sampling: mask-rcnn_r50_fpn_eql_sample1e-3_1x_lvis-v1.py trained on the plain LVIS v1 set, the setting of
# the EQL row of the official EQLv2 README (tztztztztz/eqlv2, configs/end2end/eql_r50_8x2_1x.py, 1x).
_base_ = './mask-rcnn_r50_fpn_eql_sample1e-3_1x_lvis-v1.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# the dataset that mmdet's ClassBalancedDataset wraps, unwrapped
train_dataloader = dict(dataset=dict(_delete_=True, **_base_.train_dataloader.dataset.dataset))
