# CPU twin of mask-rcnn_r50-scratch_fpn_mabn-all_2x_coco.py: the foundation's tiny Mask R-CNN on the toy
# LVIS data (python tools/data/toy_lvis.py --out data/toy_lvis) with MABN + CenConv2d in the backbone, the
# FPN, a 4conv1fc box head and the mask head, trained from scratch with 2 images a step.
#   OMP_NUM_THREADS=1 python tools/train.py configs/mabn/mask-rcnn_r18-tiny-scratch_fpn_mabn-all_3e_toy-lvis.py
_base_ = '../lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py'

# Frequently modified parameters
batch_size = 2  # the small batch of the real config
base_lr = 0.02 * batch_size / 4  # the toy recipe's 0.02 for 4 images, scaled linearly
# The paper's settings, but the renormalisation starts after 300 steps instead of 1000, so that the
# 900 steps of this schedule run every part of MABN.
norm_cfg = dict(type='MABN', buffer_size=16, momentum=0.02, warmup_iters=100, renorm_warmup_iters=300,
                requires_grad=True)
conv_cfg = dict(type='CenConv2d')

model = dict(
    backbone=dict(zero_init_residual=False, conv_cfg=conv_cfg, norm_cfg=norm_cfg),
    neck=dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(type='Shared4Conv1FCBBoxHead', conv_out_channels=64, conv_cfg=conv_cfg,
                       norm_cfg=norm_cfg),
        mask_head=dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(optimizer=dict(lr=base_lr), paramwise_cfg=dict(norm_decay_mult=0.))
# linear warm-up over 200 of the 900 steps (the toy recipe's 100 of 450)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0, end=200),
    dict(type='MultiStepLR', begin=0, end=3, by_epoch=True, milestones=[2], gamma=0.1)
]
auto_scale_lr = dict(base_batch_size=batch_size)
