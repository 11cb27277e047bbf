# TSD (Song et al., CVPR 2020) on mmdet's Faster R-CNN R50-FPN 1x COCO: the box head becomes the decoupled
# head (the Shared2FC sibling trained alongside, dropped at test time). The official mmdet re-implementation
# reports 36.2 -> 40.9 box AP for this setting (Sense-X/TSD README).
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
margin_cls = 0.2  # m_c of the progressive constraint (paper default)
margin_loc = 0.2  # m_r
offset_gamma = 0.1  # γ: offsets are predicted in units of 0.1 x the box size

model = dict(
    roi_head=dict(
        type='TSDRoIHead',
        bbox_head=dict(type='TSDBBoxHead', margin_cls=margin_cls, margin_loc=margin_loc,
                       offset_gamma=offset_gamma)))
