"""The Temporal Interlacing Network backbone: a ResNet whose residual blocks interlace a quarter of their
input channels in time before their first convolution.

`Temporal Interlacing Network <https://arxiv.org/abs/2001.06499>`_ (Shao, Qian, Liu, AAAI 2020).
Official code: deepcs233/TIN ``ops/temporal_interlace.py``; mmaction2 1.2 ``models/backbones/resnet_tin.py``.

Shape shorthand: N clips, T frames (segments) per clip, C channels, H x W feature maps, G deformable groups
(the paper's 2), F = C // shift_div interlaced channels.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmaction.models.backbones.resnet_tin import CombineNet, OffsetNet, ResNetTIN, WeightNet
from mmaction.registry import MODELS
from torch import Tensor

from ..ops import temporal_interlace

__all__ = ['TemporalInterlace', 'ResNetTemporalInterlace']


class TemporalInterlace(nn.Module):
    """TIN's temporal interlace module, with the parameter layout of mmaction2's ``TemporalInterlace``.

    From the descriptor ``d = mean_{H,W}(x[:, :F])`` of shape (N, F, T), the offset net predicts G real
    offsets per clip, ``o = 4 * (sigmoid(z) - 0.5)`` in (-2, 2) frames, and the weight net G weights per
    frame, ``w = 2 * sigmoid(conv(d))`` in (0, 2). The F channels form 2G groups of F / 2G channels that are
    shifted by ``(o_1 .. o_G, -o_1 .. -o_G)`` with linear interpolation and zero padding
    (:func:`mmx.action.ops.temporal_interlace`) and scaled by ``(w_1 .. w_G, w_1 .. w_G)``; the other
    C - F channels pass unchanged. The offset bias starts at 0.5108 = logit(0.625), i.e. at an offset of
    +0.5 frame (mmaction2's docstrings say the range is (-4, 4) and that the sigmoid starts at 1: neither
    holds), and the weight bias at 0 (weights 1).

    Unlike mmaction2's module, this one runs on a CPU, sends the data gradient to the right frames (see
    :mod:`mmx.action.ops.temporal_interlace`), keeps the input dtype (mmaction2 writes into an fp32
    buffer), and takes ``deform_groups`` and ``offset_segments`` as arguments.

    Args:
        in_channels (int): C.
        num_segments (int): T, frames per clip in the input. Default: 8.
        shift_div (int): F = C // shift_div channels are interlaced. Default: 4 (the paper's quarter).
        deform_groups (int): G, offsets predicted per clip. Default: 2 (the paper's; F must be a
            multiple of 2G).
        offset_segments (int, optional): if set, the offset net's fully connected layers have this fixed
            length, and the temporal descriptor is resampled (linearly) from T to it, so a model trained
            with ``num_segments=8`` (and ``offset_segments=8``) can be tested with 16 frames. With T equal
            to it, the module computes exactly what the default (None: length T, as the paper and
            mmaction2) computes, with the same state dict.
    """

    def __init__(self, in_channels: int, num_segments: int = 8, shift_div: int = 4, deform_groups: int = 2,
                 offset_segments: Optional[int] = None) -> None:
        super().__init__()
        folds = in_channels // shift_div
        if num_segments < 1 or deform_groups < 1 or shift_div < 1:
            raise ValueError('num_segments, deform_groups and shift_div must be positive, got '
                             f'{num_segments}, {deform_groups}, {shift_div}')
        if folds == 0 or folds % (2 * deform_groups):
            raise ValueError(f'in_channels // shift_div = {in_channels} // {shift_div} = {folds} interlaced '
                             f'channels do not split into 2 * deform_groups = {2 * deform_groups} groups')
        self.in_channels = in_channels
        self.num_segments = num_segments
        self.shift_div = shift_div
        self.deform_groups = deform_groups
        self.offset_segments = offset_segments
        self.offset_net = OffsetNet(folds, deform_groups, offset_segments or num_segments)
        self.weight_net = WeightNet(folds, deform_groups)

    def predict(self, descriptor: Tensor):
        """Offsets and weights of every channel group from the (N, F, T) descriptor.

        Returns:
            tuple[Tensor, Tensor]: (N, 2G) offsets in frames and (N, T, 2G) weights.
        """
        n, _, t = descriptor.shape
        if self.offset_segments is not None and t != self.offset_segments:
            net = self.offset_net
            z = F.interpolate(net.conv(descriptor), size=self.offset_segments, mode='linear',
                              align_corners=True).view(n, -1)
            offset = 4 * (torch.sigmoid(net.fc2(net.relu(net.fc1(z)))) - 0.5)
        else:
            offset = self.offset_net(descriptor).view(n, -1)
        weight = self.weight_net(descriptor)
        # groups G..2G-1 mirror groups 0..G-1: same weights, opposite offsets
        return torch.cat([offset, -offset], 1), weight.repeat(1, 1, 2)

    def forward(self, x: Tensor) -> Tensor:
        """Interlace x: (N * T, C, H, W) -> (N * T, C, H, W), the dtype of x."""
        nt, c, h, w = x.shape
        if c != self.in_channels or nt % self.num_segments:
            raise ValueError(f'expected (N * {self.num_segments}, {self.in_channels}, H, W) features, '
                             f'got shape {tuple(x.shape)}')
        n, t = nt // self.num_segments, self.num_segments
        folds = c // self.shift_div
        moving = x[:, :folds].reshape(n, t, folds, h * w)
        offset, weight = self.predict(moving.mean(-1).transpose(1, 2))
        moved = temporal_interlace(moving, offset, weight)
        return torch.cat([moved.reshape(nt, folds, h, w), x[:, folds:]], 1)

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, num_segments={self.num_segments}, '
                f'shift_div={self.shift_div}, deform_groups={self.deform_groups}, '
                f'offset_segments={self.offset_segments}')


@MODELS.register_module()
class ResNetTemporalInterlace(ResNetTIN):
    """TIN's ResNet backbone: a drop-in for mmaction2's ``ResNetTIN`` that runs on CPU and GPU.

    `Temporal Interlacing Network <https://arxiv.org/abs/2001.06499>`_. Every residual block of layer1-4
    gets a :class:`TemporalInterlace` before its first convolution, as ``block.conv1.conv =
    CombineNet(TemporalInterlace, conv)``, so the state dict has mmaction2's keys
    (``layerX.Y.conv1.conv.net1.{offset_net,weight_net}.*``, ``layerX.Y.conv1.conv.net2.weight``) and
    mmaction2's TIN checkpoints load unchanged. The differences from ``ResNetTIN``: the interlace is
    :func:`mmx.action.ops.temporal_interlace` instead of ``mmcv.ops.tin_shift`` (which has no CPU kernel and
    a mirrored data gradient), ``shift_div`` defaults to 4 as in the paper (``ResNetTIN`` inherits
    ``ResNetTSM``'s 8 although its docstring says 4), and ``deform_groups`` / ``offset_segments`` are
    arguments.

    Args:
        depth (int): ResNet depth, from {18, 34, 50, 101, 152}.
        num_segments (int): T, frames per clip. Default: 8.
        is_tin (bool): interlace (True) or a plain ResNet (False). Default: True.
        shift_div (int): a block interlaces ``in_channels // shift_div`` channels. Default: 4.
        deform_groups (int): offsets per clip in each block (the paper's 2). Default: 2.
        offset_segments (int, optional): fixed input length of the offset nets (see
            :class:`TemporalInterlace`); None: T. Default: None.
        **kwargs: the other arguments of mmaction2's ``ResNetTSM`` / ``ResNet`` (``pretrained``,
            ``pretrained2d``, ``norm_eval``, ``partial_bn``, ``frozen_stages``, ``non_local``, ...).
    """

    def __init__(self, depth: int, num_segments: int = 8, is_tin: bool = True, shift_div: int = 4,
                 deform_groups: int = 2, offset_segments: Optional[int] = None, **kwargs) -> None:
        # read by make_temporal_interlace, which ResNetTIN.__init__ calls
        self.deform_groups = deform_groups
        self.offset_segments = offset_segments
        super().__init__(depth, is_tin=is_tin, num_segments=num_segments, shift_div=shift_div, **kwargs)

    def make_temporal_interlace(self) -> None:
        """Wrap the first convolution of every block of layer1-4 (mmaction2's ``n_round = 1``)."""
        for stage in (self.layer1, self.layer2, self.layer3, self.layer4):
            for block in stage:
                interlace = TemporalInterlace(
                    block.conv1.in_channels, num_segments=self.num_segments, shift_div=self.shift_div,
                    deform_groups=self.deform_groups, offset_segments=self.offset_segments)
                block.conv1.conv = CombineNet(interlace, block.conv1.conv)
