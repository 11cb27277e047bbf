# SlowFast-R50 8x8 on Something-Something V1 (raw frames '{:05}.jpg'): mmaction2 has no such config; this
# is its K400 8x8 recipe with frame decoding, the Sth-V1 files, 174 classes and the Sth-V1 flip label map.
# Toy twin: slowfast_r18_16x1x1_12e_toy-video.py.
_base_ = ['mmaction::recognition/slowfast/slowfast_r50_8xb8-8x8x1-256e_kinetics400-rgb.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

data_root = 'data/sthv1/rawframes'
sthv1_flip_label_map = {2: 4, 4: 2, 30: 41, 41: 30, 52: 66, 66: 52}
model = dict(cls_head=dict(num_classes=174))
# [DecordInit, SampleFrames, DecordDecode, ...] -> [SampleFrames, RawFrameDecode, ...]
train_pipeline = [
    _base_.train_pipeline[1],
    dict(type='RawFrameDecode'), *_base_.train_pipeline[3:6],
    dict(type='Flip', flip_ratio=0.5, flip_label_map=sthv1_flip_label_map), *_base_.train_pipeline[7:]
]
val_pipeline = [_base_.val_pipeline[1], dict(type='RawFrameDecode'), *_base_.val_pipeline[3:]]
test_pipeline = [_base_.test_pipeline[1], dict(type='RawFrameDecode'), *_base_.test_pipeline[3:]]
frames = dict(type='RawframeDataset', filename_tmpl='{:05}.jpg', data_prefix=dict(_delete_=True, img=data_root))
train_dataloader = dict(dataset=dict(
    frames, ann_file='data/sthv1/sthv1_train_list_rawframes.txt', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(frames, ann_file='data/sthv1/sthv1_val_list_rawframes.txt', pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(
    frames, ann_file='data/sthv1/sthv1_val_list_rawframes.txt', pipeline=test_pipeline))
