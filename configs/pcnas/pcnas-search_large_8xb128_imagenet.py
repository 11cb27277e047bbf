# PC-NAS search in a LARGE space on ImageNet (the paper's PC-NAS-L: 78.1% top-1 within 11 ms). The paper's
# large space is not transcribed (README.md): this one is mmx's assumption, the small space's layout 1.4x wider
# (the width of the MobileNetV2 1.4x baseline) and deeper in stages 2-4 (6 layers instead of 4), 27 layers with
# the same MBConv k3/5/7 x e3/6 + skip choices. Everything else (P, intervals, latency table) as the small one:
#   python tools/nas/measure_latency.py THIS --out work_dirs/pcnas_lut_large_gpu.json --device cuda --batch-size 32
#   python tools/nas/search_pcnas.py THIS --work-dir work_dirs/pcnas_large
_base_ = ['./pcnas-search_small_8xb128_imagenet.py']

large_stages = ((32, 4, 2), (56, 4, 2), (112, 6, 2), (128, 6, 1), (256, 6, 2), (432, 1, 1))
widen_factor = 1.4
last_channels = int(round(1728 * widen_factor / 8)) * 8  # widths are rounded to multiples of 8
num_layers = sum(s[1] for s in large_stages)
lut = 'work_dirs/pcnas_lut_large_gpu.json'

max_iters = _base_.warmup_iters + num_layers * _base_.interval_iters
model = dict(
    backbone=dict(stages=large_stages, widen_factor=widen_factor),
    head=dict(in_channels=last_channels))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
custom_hooks = [dict(_base_.custom_hooks[0], lut=lut)]
