# A searched PC-NAS network of mmx's large space (pcnas-search_large_8xb128_imagenet.py) trained from scratch on
# ImageNet. `model.backbone.arch`: the pcnas_arch.yaml of your search; the default is the large space's all-k3e6 reference
# network, NOT the paper's PC-NAS-L (neither its op list nor its space is transcribed, see README.md).
_base_ = ['./pcnas-small_8xb128-300e_imagenet.py']

last_channels = int(round(1728 * 1.4 / 8)) * 8  # the arch file's widen_factor 1.4

model = dict(backbone=dict(arch='{{ fileDirname }}/archs/pcnas-large_reference-k3e6.yaml'), head=dict(in_channels=last_channels))
