# SlowFast with ResNet-18 pathways from scratch for 16-frame toy video clips: alpha = tau = 4 (the R50
# configs use 8 with 32 frames); the fast path has 1/8 of the slow path's channels.
_base_ = ['mmaction::_base_/models/slowfast_r50.py']
model = dict(
    backbone=dict(resample_rate=4, speed_ratio=4, slow_pathway=dict(depth=18), fast_pathway=dict(depth=18)),
    cls_head=dict(in_channels=512 + 64))  # slow + fast channels
