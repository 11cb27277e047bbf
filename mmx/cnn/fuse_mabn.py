"""Fold MABN layers into the convolutions before them, for inference."""
from typing import Tuple

import torch.nn as nn
from mmcv.cnn import fuse_conv_bn

from .cen_conv import CenConv2d
from .mabn import MABN

__all__ = ['fuse_mabn']


def _replace_cen_convs(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, CenConv2d):
            module._modules[name] = child.to_conv2d()
        else:
            _replace_cen_convs(child)


def fuse_mabn(model: nn.Module) -> Tuple[nn.Module, int, int]:
    """Turn a trained MABN + CenConv2d model into plain convolutions, in place, for inference.

    MABN's inference is ``γ·x/sqrt(running_var + eps) + β``, a per-channel affine map, so it folds into
    the conv before it as BN does (``W' = W·γ/σ``, ``b' = b·γ/σ + β``). Every :class:`CenConv2d` first
    becomes an ``nn.Conv2d`` holding its centred weight (exact), then mmcv's ``fuse_conv_bn`` folds each
    norm layer that directly follows a ``Conv2d`` among its siblings (in registration order, as in
    mmcv's ``ConvModule`` and mmdet's ResNet), plain BN included, and replaces it by ``nn.Identity``.
    A MABN without a conv right before it (after a Linear, or pre-activation) stays, still exact.

    The model must be in eval mode when used afterwards; the result is not meant for training.

    Args:
        model (nn.Module): the model, changed in place.

    Returns:
        tuple[nn.Module, int, int]: the model, the number of MABN layers folded and of those left.
    """
    before = sum(isinstance(m, MABN) for m in model.modules())
    _replace_cen_convs(model)
    if isinstance(model, CenConv2d):
        model = model.to_conv2d()
    model = fuse_conv_bn(model)
    left = sum(isinstance(m, MABN) for m in model.modules())
    return model, before - left, left
