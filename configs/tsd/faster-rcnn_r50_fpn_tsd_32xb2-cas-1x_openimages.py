# TSD Faster R-CNN R50-FPN on OpenImages v6 (mmdet's OpenImagesDataset and OpenImagesMetric, 601 classes) with
# class-aware sampling (mmdet's ClassAwareSampler, a port of TSD's sampler), as the OpenImages 2019 winners'
# "Decoupling Head" models: margins 0.3 (the official OpenImages TSD config), gradient clipping at 35, and adj-NMS
# (hard NMS at IoU 0.5, then Gaussian soft-NMS with σ = 0.5 on the survivors) at test time. Data layout: see
# mmdet's configs/openimages/README.md (data/OpenImages/...).
_base_ = 'mmdet::openimages/faster-rcnn_r50_fpn_32xb2-cas-1x_openimages.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
margin_cls = 0.3  # the official OpenImages TSD config (0.2 on COCO)
margin_loc = 0.3
offset_gamma = 0.1
num_sample_class = 1  # images drawn per class in each class-aware round

model = dict(
    roi_head=dict(
        type='TSDRoIHead',
        bbox_head=dict(type='TSDBBoxHead', margin_cls=margin_cls, margin_loc=margin_loc,
                       offset_gamma=offset_gamma)),
    test_cfg=dict(rcnn=dict(nms=dict(_delete_=True, type='adj_nms', iou_threshold=0.5, sigma=0.5))))
train_dataloader = dict(sampler=dict(num_sample_class=num_sample_class))
optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))
