# MABN fine-tuning: the from-scratch config started from an ImageNet ResNet-50 trained with weight
# centralization (official results, 2x: 38.42 box AP / 34.12 mask AP; SyncBN 2x8: 38.25 / 34.22).
# The checkpoint must come from a ResNet-50 whose convolutions were CenConv2d (the official R50-wc.pth,
# converted to mmdet's ResNet keys): CenConv2d would re-centre the filters of an ordinary ImageNet model
# and change what they compute (megvii-model/MABN#2: 19.6 box AP from the MSRA weights). BN statistics in
# the checkpoint are loaded by MABN and restarted at the first training step.
#   bash tools/dist_train.sh configs/mabn/mask-rcnn_r50_fpn_mabn-all_2x_coco.py 8
_base_ = './mask-rcnn_r50-scratch_fpn_mabn-all_2x_coco.py'

pretrained = 'checkpoints/resnet50_wc_imagenet.pth'  # a weight-centralized ImageNet R50 (see README)

model = dict(backbone=dict(init_cfg=dict(_delete_=True, type='Pretrained', checkpoint=pretrained)))
