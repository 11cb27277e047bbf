# Toy video data, single-label: the direction of motion of one object (2 classes), which needs temporal
# reasoning (mmx.action.datasets.generate_toy_video, task 'motion'), read as JPEG frames by mmaction2's
# RawframeDataset. Generate it first (seconds):
#   python tools/data/toy_video.py --out data/toy_video
# No Flip in the pipelines: a horizontal flip turns a clip moving left into one moving right.
data_root = 'data/toy_video/'
num_classes = 2
num_segments = 8  # TSN-style sampling: one frame from each of 8 segments of the 16-frame clips
crop_size = 32  # the models see 32 x 32 crops of the 64 x 64 frames, resized to 40 x 40

dataset_type = 'RawframeDataset'
train_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(40, 40), keep_ratio=False),
    dict(type='RandomCrop', size=crop_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(40, 40), keep_ratio=False),
    dict(type='CenterCrop', crop_size=crop_size),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
# for 3D models (SlowFast): one clip of all 16 frames, (N, C, T, H, W)
clip_3d = dict(type='SampleFrames', clip_len=16, frame_interval=1, num_clips=1)
train_pipeline_3d = [
    clip_3d, *train_pipeline[1:-2],
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]
val_pipeline_3d = [
    dict(clip_3d, test_mode=True), *val_pipeline[1:-2],
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs')
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, ann_file=data_root + 'train_rawframes.txt',
                 data_prefix=dict(img=data_root + 'rawframes'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, ann_file=data_root + 'val_rawframes.txt',
                 data_prefix=dict(img=data_root + 'rawframes'), pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
# top-5 of 2 classes is always 100%
val_evaluator = dict(type='AccMetric', metric_options=dict(top_k_accuracy=dict(topk=(1, ))))
test_evaluator = val_evaluator
