"""Convolution with weight centralization (centred weights), the companion of MABN.

Paper: `Towards Stabilizing Batch Statistics in Backward Propagation of Batch Normalization
<https://arxiv.org/abs/2001.06838>`_, Yan et al., ICLR 2020, §4.2 (official code: megvii-model/MABN).
"""
import torch
import torch.nn as nn
from torch import Tensor

from mmx.registry import NEUTRAL_MODELS

__all__ = ['CenConv2d', 'centre_weight']


def _centre(weight: Tensor) -> Tensor:
    # a sum and a scaled subtraction: cheaper than mean() on the small tensors of a training step
    return torch.sub(weight, weight.sum(dim=tuple(range(1, weight.dim())), keepdim=True),
                     alpha=weight.shape[0] / weight.numel())


class _CentreWeight(torch.autograd.Function):
    """Ŵ = W − mean(W) per filter. Centring is a symmetric projection, so the gradient is the centred
    incoming gradient: one subtraction, where autograd's sub/sum/broadcast chain makes three passes over
    the weight and a gradient accumulation (a third of a small network's step time on a CPU)."""

    @staticmethod
    def forward(ctx, weight: Tensor) -> Tensor:
        return _centre(weight)

    @staticmethod
    def backward(ctx, grad: Tensor) -> Tensor:
        return _centre(grad)


def centre_weight(weight: Tensor) -> Tensor:
    """Subtract from every output filter its mean: Ŵ_o = W_o − mean(W_o).

    Args:
        weight (Tensor): (C_out, C_in / groups, *kernel) convolution weight.

    Returns:
        Tensor: the centred weight, same shape; differentiable (its gradient is the centred gradient).
    """
    if weight.requires_grad and torch.is_grad_enabled():
        return _CentreWeight.apply(weight)
    return _centre(weight)


@NEUTRAL_MODELS.register_module()
class CenConv2d(nn.Conv2d):
    """``nn.Conv2d`` whose filters are centred (zero mean) at every forward, from MABN (ICLR 2020).

    MABN does not subtract a mean, so the conv in front of it should produce zero-mean outputs; a filter
    with zero mean does that on locally constant inputs. Use it as ``conv_cfg=dict(type='CenConv2d')``
    next to ``norm_cfg=dict(type='MABN')``, with ``bias=False`` (the paper's recommendation).

    Unlike the official ``CenConv2d`` (a plain ``nn.Module`` initialised with N(0, 1)), this is an
    ``nn.Conv2d`` subclass: same arguments, parameter names and checkpoints, and mmengine initialisers
    (``dict(type='Kaiming', layer='Conv2d')``) and mmcv's ``ConvModule`` treat it as a conv. Only the
    weight path changes, in ``_conv_forward``, so callers that pass a scaled weight through it (mmcv's
    ``efficient_conv_bn_eval``) and ``fuse_conv_bn`` stay exact: scaling a filter keeps its mean zero.
    """

    def _conv_forward(self, input: Tensor, weight: Tensor, bias) -> Tensor:
        return super()._conv_forward(input, centre_weight(weight), bias)

    def to_conv2d(self) -> nn.Conv2d:
        """A plain ``nn.Conv2d`` with the centred weight: the same function, for inference and export."""
        conv = nn.Conv2d(self.in_channels, self.out_channels, self.kernel_size, self.stride, self.padding,
                         self.dilation, self.groups, self.bias is not None, self.padding_mode,
                         device=self.weight.device, dtype=self.weight.dtype)
        with torch.no_grad():
            conv.weight.copy_(centre_weight(self.weight))
            if self.bias is not None:
                conv.bias.copy_(self.bias)
        conv.train(self.training)
        return conv
