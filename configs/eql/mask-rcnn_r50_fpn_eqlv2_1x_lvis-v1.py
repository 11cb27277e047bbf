# Mask R-CNN R50-FPN with Equalization Loss v2 (Tan et al., CVPR 2021) on LVIS v1, without repeat-factor
# sampling: mask-rcnn_r50_fpn_eqlv2_sample1e-3_1x_lvis-v1.py trained on the plain LVIS v1 set, as the
# official EQLv2 config (tztztztztz/eqlv2, configs/end2end/eqlv2_r50_8x2_1x.py).
_base_ = './mask-rcnn_r50_fpn_eqlv2_sample1e-3_1x_lvis-v1.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# the dataset that mmdet's ClassBalancedDataset wraps, unwrapped
train_dataloader = dict(dataset=dict(_delete_=True, **_base_.train_dataloader.dataset.dataset))
