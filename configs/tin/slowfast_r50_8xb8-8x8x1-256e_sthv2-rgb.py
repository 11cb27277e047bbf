# SlowFast-R50 8x8 on Something-Something V2 (videos): mmaction2 has no such config; this is its K400 8x8
# recipe with the Sth-V2 files, 174 classes and the Sth-V2 flip label map (left/right class pairs).
# Toy twin: slowfast_r18_16x1x1_12e_toy-video.py.
_base_ = ['mmaction::recognition/slowfast/slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

data_root = 'data/sthv2/videos'
sthv2_flip_label_map = {86: 87, 87: 86, 93: 94, 94: 93, 166: 167, 167: 166}
model = dict(cls_head=dict(num_classes=174))
train_pipeline = [
    *_base_.train_pipeline[:6],
    dict(type='Flip', flip_ratio=0.5, flip_label_map=sthv2_flip_label_map), *_base_.train_pipeline[7:]
]
train_dataloader = dict(dataset=dict(ann_file='data/sthv2/sthv2_train_list_videos.txt',
                                     data_prefix=dict(video=data_root), pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(ann_file='data/sthv2/sthv2_val_list_videos.txt',
                                   data_prefix=dict(video=data_root)))
test_dataloader = dict(dataset=dict(ann_file='data/sthv2/sthv2_val_list_videos.txt',
                                    data_prefix=dict(video=data_root)))
