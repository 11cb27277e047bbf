# The toy twin of faster-rcnn_r50_fpn_tsd_1x_coco.py: the tiny Faster R-CNN of the toy LVIS data
# (configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py, mmdet's Shared2FC box head) with the TSD head. Runs on a
# CPU (`python tools/data/toy_lvis.py --out data/toy_lvis` first).
_base_ = '../eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
margin_cls = 0.2
margin_loc = 0.2
offset_gamma = 0.1

model = dict(
    roi_head=dict(
        type='TSDRoIHead',
        bbox_head=dict(type='TSDBBoxHead', margin_cls=margin_cls, margin_loc=margin_loc,
                       offset_gamma=offset_gamma,
                       offset_channels=64,  # 256 in the paper, for 256-channel FPNs; the toy FPN has 64
                       # 1 sample per bin (2 by default; 4 x 4 in the official code's deformable PS-RoI pooling):
                       # on a CPU the PyTorch pooling's backward dominates the TSD step otherwise
                       pool_sampling_ratio=1)))
