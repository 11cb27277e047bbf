"""Framework-neutral layers, registered in mmengine's root ``MODELS`` so that every OpenMMLab scope
(mmdet, mmaction2, mmx, mmengine) finds them by bare name, in ``norm_cfg`` / ``conv_cfg`` too.

* :class:`MABN` (``norm_cfg=dict(type='MABN')``) and :class:`CenConv2d` (``conv_cfg=dict(type='CenConv2d')``):
  Moving Average Batch Normalization and weight-centred convolution (Yan et al., ICLR 2020);
  :func:`fuse_mabn` folds them into plain convolutions for inference;
* :mod:`mmx.cnn.int8`: ``Int8Conv2d`` and ``Int8Linear`` for unified INT8 training (Zhu et al., CVPR 2020),
  :func:`convert_to_int8` (the training machinery is in :mod:`mmx.engine`).
"""
from . import int8  # noqa: F401 (registration of the INT8 layers)
from .cen_conv import CenConv2d, centre_weight
from .fuse_mabn import fuse_mabn
from .mabn import MABN, keep_mabn_out_of_sync_bn, mabn_normalize, second_moment

keep_mabn_out_of_sync_bn()

__all__ = [
    'CenConv2d', 'centre_weight', 'fuse_mabn', 'MABN', 'keep_mabn_out_of_sync_bn', 'mabn_normalize',
    'second_moment'
]
