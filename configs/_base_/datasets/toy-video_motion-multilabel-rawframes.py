# Toy video data, multi-label (the Multi-Moments-in-Time path): 1-3 objects of distinct colours per clip,
# each moving left or right; 6 classes '{red,green,blue}_moving_{left,right}' (mmx.action.datasets.
# generate_toy_video, task 'motion-multilabel'): the single-label toy pipelines and loaders, with
# multi-hot labels and mAP. Generate it first (seconds):
#   python tools/data/toy_video.py --out data/toy_video_ml --task motion-multilabel
# The models pair it with `multilabel_head` below, as the MMiT configs pair mmit-video_rgb.py with mmit_head.
_base_ = ['./toy-video_motion-rawframes.py']

data_root = 'data/toy_video_ml/'
num_classes = 6
# a sigmoid (BCE) classifier; loss_weight C / 2 as for MMiT; test scores are the logits ('prob' would apply a
# softmax across classes)
multilabel_head = dict(
    num_classes=num_classes,
    loss_cls=dict(type='BCELossWithLogits', loss_weight=num_classes / 2),
    average_clips='score')

train_dataloader = dict(dataset=dict(
    ann_file=data_root + 'train_rawframes.txt', data_prefix=dict(img=data_root + 'rawframes'), multi_class=True,
    num_classes=num_classes))
val_dataloader = dict(dataset=dict(
    ann_file=data_root + 'val_rawframes.txt', data_prefix=dict(img=data_root + 'rawframes'), multi_class=True,
    num_classes=num_classes))
test_dataloader = val_dataloader
# 'mmit_mean_average_precision': AP over the classes of each clip, averaged over clips (the MMiT challenge's
# and X-Temporal's mAP); 'mean_average_precision': AP of each class over the clips, averaged over classes
val_evaluator = dict(
    _delete_=True, type='AccMetric', metric_list=('mmit_mean_average_precision', 'mean_average_precision'))
test_evaluator = val_evaluator
