# The toy twin of mask-rcnn_r50_fpn_tsd_1x_coco.py: the tiny Mask R-CNN of the toy LVIS data
# (configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py) with the TSD head. Runs on a CPU.
_base_ = '../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(roi_head=dict(type='TSDRoIHead', bbox_head=dict(type='TSDBBoxHead', offset_channels=64,
                                                              pool_sampling_ratio=1)))  # as the Faster R-CNN twin
