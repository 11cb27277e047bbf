# The naive-union baseline of the toy RetinaNet (retinanet_r18-tiny_fpn_cross-dataset_3e_toy-cross.py): mmdet's
# RetinaHead over the merged label space, every background anchor a negative for every class, also for the
# classes its image's source never labels. The baseline of `tools/benchmarks/cross_dataset.py --detector retinanet`.
_base_ = './retinanet_r18-tiny_fpn_cross-dataset_3e_toy-cross.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

model = dict(bbox_head=dict(type='RetinaHead'))
