# The expert-model pattern of the OpenImages 2019 winners ("3+2" experts for confusable classes): the toy TSD
# Faster R-CNN trained on a subset of classes only, here the five easily confused stars of the toy set. The dataset
# keeps the images and boxes of these classes (mmdet filters the others by metainfo.classes), and the expert's
# labels index this subset. tools/ensemble/box_voting.py merges its detections with the global models' for these
# classes only, mapping the labels by name:
#   python tools/ensemble/box_voting.py global_a.pkl global_b.pkl --config <global toy config> \
#       --expert expert.pkl configs/tsd/faster-rcnn_r18-tiny_fpn_tsd_expert-stars_3e_toy-lvis.py
_base_ = './faster-rcnn_r18-tiny_fpn_tsd_3e_toy-lvis.py'

expert_classes = ('blue_star', 'green_star', 'magenta_star', 'red_star', 'yellow_star')
model = dict(roi_head=dict(bbox_head=dict(num_classes=len(expert_classes))))
metainfo = dict(classes=expert_classes)
train_dataloader = dict(dataset=dict(metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = val_dataloader
