# The MABN paper's COCO setting: Mask R-CNN R50-FPN trained from scratch with 2 images per GPU (8 GPUs),
# MABN + CenConv2d in the backbone (stem, bottlenecks, downsample), the FPN, a 4conv1fc box head and the
# mask head (official results, 2x: 36.50 box AP / 32.69 mask AP; SyncBN 2x8: 36.80 / 33.10).
#   bash tools/dist_train.sh configs/mabn/mask-rcnn_r50-scratch_fpn_mabn-all_2x_coco.py 8
_base_ = 'mmdet::mask_rcnn/mask-rcnn_r50_fpn_2x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
# m = buffer_size = 32 / 2: the SMAs cover 16 steps of 2 images; EMA momentum 0.02 is the paper's "0.98";
# statistics warm-up 100 steps, r = 1 for 1000 steps, then r in [1/5, 5] (the paper's defaults)
norm_cfg = dict(type='MABN', buffer_size=16, momentum=0.02, warmup_iters=100, renorm_warmup_iters=1000,
                r_max=5.0, requires_grad=True)
conv_cfg = dict(type='CenConv2d')  # zero-mean filters in front of every MABN

model = dict(
    backbone=dict(
        frozen_stages=-1,  # from scratch: every stage trains, and every MABN updates its statistics
        norm_eval=False,
        zero_init_residual=False,  # as mmdet's from-scratch GN recipe
        conv_cfg=conv_cfg,
        norm_cfg=norm_cfg,
        init_cfg=None),  # ResNet's own init: Kaiming for (Cen)Conv2d, 1 for every _BatchNorm (MABN too)
    neck=dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg),
    roi_head=dict(
        bbox_head=dict(
            type='Shared4Conv1FCBBoxHead', conv_out_channels=256, conv_cfg=conv_cfg, norm_cfg=norm_cfg),
        mask_head=dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg)))

# No weight decay on the norm layers' γ and β, as in mmdet's from-scratch recipes (MABN is a _BatchNorm).
optim_wrapper = dict(paramwise_cfg=dict(norm_decay_mult=0.))
# MABN's statistics are per process by design: keep DDP's broadcast_buffers=False (mmengine's default)
# and do not set sync_bn (the conversion leaves MABN layers alone anyway).
