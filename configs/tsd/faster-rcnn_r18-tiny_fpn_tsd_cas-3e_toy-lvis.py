# The toy twin of faster-rcnn_r50_fpn_tsd_32xb2-cas-1x_openimages.py: the toy TSD Faster R-CNN with the
# OpenImages recipe's class-aware sampling, margins 0.3, gradient clipping at 35 and adj-NMS, on the toy LVIS data
# (LVIS's COCO-style format stands in for OpenImages; `python tools/data/toy_lvis.py --out data/toy_lvis`).
_base_ = './faster-rcnn_r18-tiny_fpn_tsd_3e_toy-lvis.py'

model = dict(
    roi_head=dict(bbox_head=dict(margin_cls=0.3, margin_loc=0.3)),
    test_cfg=dict(rcnn=dict(nms=dict(_delete_=True, type='adj_nms', iou_threshold=0.5, sigma=0.5))))
train_dataloader = dict(sampler=dict(_delete_=True, type='ClassAwareSampler', num_sample_class=1))
optim_wrapper = dict(clip_grad=dict(max_norm=35, norm_type=2))
