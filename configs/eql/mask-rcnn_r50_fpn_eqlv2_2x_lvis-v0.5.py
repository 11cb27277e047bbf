# Mask R-CNN R50-FPN with Equalization Loss v2 (Tan et al., CVPR 2021) on LVIS v0.5, without repeat-factor
# sampling: mask-rcnn_r50_fpn_eqlv2_sample1e-3_2x_lvis-v0.5.py trained on the plain LVIS v0.5 set.
_base_ = './mask-rcnn_r50_fpn_eqlv2_sample1e-3_2x_lvis-v0.5.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# the dataset that mmdet's ClassBalancedDataset wraps, unwrapped
train_dataloader = dict(dataset=dict(_delete_=True, **_base_.train_dataloader.dataset.dataset))
