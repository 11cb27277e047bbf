# Cross-dataset training on the toy pair with the dataset-aware loss (Yao et al., arXiv 2001.04621): the naive
# union (faster-rcnn_r18-tiny_fpn_naive-union_3e_toy-cross.py) where a background RoI gives no negative
# gradient to the classes its image's source does not annotate (DatasetAwareRoIHead). Runs on a CPU in minutes.
_base_ = './faster-rcnn_r18-tiny_fpn_naive-union_3e_toy-cross.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(roi_head=dict(type='DatasetAwareRoIHead'))
