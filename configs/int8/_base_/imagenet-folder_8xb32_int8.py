# ImageNet-1k classification on mmx's substrate (SmallImageClassifier) with INT8 training, for the ResNet-50
# and MobileNetV2 configs beside this file: data (the shared ImageNet-folder base), runtime, the INT8 switch.
# The model and schedule are theirs.
_base_ = ['../../_base_/default_runtime_cls.py', '../../_base_/datasets/imagenet-folder.py',
          './int8-training_dsgc-dclr.py']

default_hooks = dict(logger=dict(interval=100), checkpoint=dict(interval=1, max_keep_ckpts=3))
