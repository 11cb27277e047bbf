"""A small image-classification substrate (classifier, datasets, accuracy) in mmx's registries.

Everything here registers into :mod:`mmx.registry`'s nodes (scope ``'mmx'``): configs with
``default_scope='mmx'`` name the modules bare, other scopes as ``'mmx.SmallImageClassifier'``.
"""
from .classifier import SmallImageClassifier
from .data_sample import ClsSample
from .digits import DigitsDataset, split_digits
from .heads import LinearClassifierHead
from .image_folder import ImageFolderDataset
from .metrics import TopKAccuracy, topk_accuracy
from .necks import GlobalAvgPoolNeck
from .small_convnet import ConvNormAct, SmallConvNet
from .transforms import PackImageClsInputs

__all__ = [
    'SmallImageClassifier', 'ClsSample', 'DigitsDataset', 'split_digits', 'LinearClassifierHead',
    'ImageFolderDataset', 'TopKAccuracy', 'topk_accuracy', 'GlobalAvgPoolNeck', 'ConvNormAct',
    'SmallConvNet', 'PackImageClsInputs'
]
