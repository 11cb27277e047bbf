# TSD on mmdet's Mask R-CNN R50-FPN 1x COCO: the decoupled box head; the mask branch is Mask R-CNN's, trained on
# the sampled positives and run on the TSD branch's boxes at test time.
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(roi_head=dict(type='TSDRoIHead', bbox_head=dict(type='TSDBBoxHead', margin_cls=0.2, margin_loc=0.2)))
