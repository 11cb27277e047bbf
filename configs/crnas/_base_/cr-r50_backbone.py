# The CR-ResNet50 backbone of the CR-NAS detection configs, in place of mmdet's ResNet-50 (same frozen stem,
# BN in eval mode). `arch`: the crnas_arch.yaml of your search; the shipped default is ResNet-50's own
# allocation (a placeholder, see archs/r50_baseline-allocation.yaml). ImageNet initialisation: the paper
# re-pretrains every searched net; without that, map torchvision's ResNet-50 onto the searched stages with
#   python tools/model_converters/crnas_resnet_transfer.py resnet50.pth ARCH.yaml work_dirs/cr-r50_init.pth
# Both from the command line:
#   --cfg-options model.backbone.arch=ARCH.yaml model.backbone.init_cfg.checkpoint=work_dirs/cr-r50_init.pth
cr_r50_backbone = dict(
    _delete_=True,
    type='CRResNet',
    arch='{{ fileDirname }}/../archs/r50_baseline-allocation.yaml',
    frozen_stages=1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=True,
    style='pytorch',
    init_cfg=dict(type='Pretrained', checkpoint='work_dirs/cr-r50_init.pth'))
