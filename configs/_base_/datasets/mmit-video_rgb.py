# Multi-Moments in Time (M-MiT v1, Monfort et al., arXiv 1911.00232): 313 classes, several labels per 3-second
# video. mmaction2's VideoDataset with multi_class=True reads file lists of 'path l1 l2 ...' (mmaction2's
# tools/data/build_file_list.py mmit ... --format videos writes them from the official CSVs), and turns the
# labels into a 313-dimensional multi-hot vector. Layout:
#   data/mmit/videos/...                   (the paths in the file lists are relative to this folder)
#   data/mmit/mmit_train_list_videos.txt, data/mmit/mmit_val_list_videos.txt
# The models pair it with `mmit_head` below: a sigmoid (BCE) classifier whose test scores are the raw logits
# ('score'; 'prob' would apply a softmax, and None keeps a clip axis that breaks mmaction2 1.x's mAP).
num_classes = 313
num_segments = 8
data_root = 'data/mmit/'
# BCE averages over the 313 classes; 160 (about C / 2) restores a per-class gradient like a softmax loss's, as
# mmaction2 0.x's tsn_r101_1x1x5_50e_mmit_rgb.py did (61.09 mAP)
mmit_head = dict(
    num_classes=num_classes,
    loss_cls=dict(type='BCELossWithLogits', loss_weight=160.0),
    dropout_ratio=0.5,
    average_clips='score')

dataset_type = 'VideoDataset'
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='MultiScaleCrop', input_size=224, scales=(1, 0.875, 0.75, 0.66), random_crop=False,
         max_wh_scale_gap=1),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),  # no left/right class pairs in M-MiT
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=num_segments, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCHW'),
    dict(type='PackActionInputs')
]
train_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, multi_class=True, num_classes=num_classes,
                 ann_file=data_root + 'mmit_train_list_videos.txt', data_prefix=dict(video=data_root + 'videos'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, multi_class=True, num_classes=num_classes,
                 ann_file=data_root + 'mmit_val_list_videos.txt', data_prefix=dict(video=data_root + 'videos'),
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = val_dataloader
# 'mmit_mean_average_precision' is the challenge's mAP (per video, over its classes; X-Temporal's
# calculate_map); 'mean_average_precision' is per class (classes without positives are skipped)
val_evaluator = dict(type='AccMetric', metric_list=('mmit_mean_average_precision', 'mean_average_precision'))
test_evaluator = val_evaluator
# 8 GPUs x 16 videos
auto_scale_lr = dict(enable=False, base_batch_size=128)
