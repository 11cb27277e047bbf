"""PCNASNet: the MobileNetV2-style network of a PC-NAS architecture (one MBConv or skip per layer).

Li et al., "Improving One-shot NAS by Suppressing the Posterior Fading", CVPR 2020 (arXiv 1910.02543).
The layout (stages of MBConv layers) follows the ProxylessNAS-GPU / SPOS-MobileNet macro structure that the
PC-NAS small space is said to use (not confirmed from the paper, see configs/pcnas/README.md).
"""
import random
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmdet.models.layers import InvertedResidual
from mmdet.registry import MODELS as MMDET_MODELS
from mmengine.model import BaseModule

from mmx.registry import MODELS
from ..arch import load_arch
from ..spaces import MBCONV_OPS, parse_mbconv_op

__all__ = ['PCNASNet', 'PCNASSupernet', 'PCNAS_STAGES', 'make_op']

# (out_channels, layers, stride of the first layer): the SPOS/ProxylessNAS-GPU MobileNet layout
PCNAS_STAGES = ((32, 4, 2), (56, 4, 2), (112, 4, 2), (128, 4, 1), (256, 4, 2), (432, 1, 1))


def make_op(op: str, in_channels: int, out_channels: int, stride: int, norm_cfg: dict,
            act_cfg: dict) -> nn.Module:
    """``'kKeE'``: an MBConv (mmdet's InvertedResidual, kernel K, expansion E, residual when the shape
    allows); ``'skip'``: identity (only where stride is 1 and the channels do not change)."""
    if op == 'skip':
        if stride != 1 or in_channels != out_channels:
            raise ValueError(f'skip needs stride 1 and equal channels, got stride {stride}, '
                             f'{in_channels} -> {out_channels} channels')
        return nn.Identity()
    k, e = parse_mbconv_op(op)
    return InvertedResidual(in_channels, out_channels, in_channels * e, kernel_size=k, stride=stride,
                            with_expand_conv=e != 1, norm_cfg=norm_cfg, act_cfg=act_cfg)


class _PCNASBase(BaseModule):
    """Stem conv (stride 2) -> a fixed k3e1 MBConv -> the searchable layers in ``stages`` -> an optional
    1x1 conv. ``out_indices`` index the stages (``len(stages)`` is the last conv's output)."""

    def __init__(self, stages, in_channels, stem_channels, first_channels, last_channels, widen_factor,
                 out_indices, frozen_stages, norm_cfg, act_cfg, norm_eval, init_cfg):
        super().__init__(init_cfg=init_cfg)
        if not stages or any(len(s) != 3 or s[1] < 1 or s[2] not in (1, 2) for s in stages):
            raise ValueError(f'stages must list (channels, layers >= 1, stride 1 or 2), got {stages!r}')
        num_outs = len(stages) + (last_channels is not None)
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not out_indices or any(not 0 <= i < num_outs for i in out_indices):
            raise ValueError(f'out_indices {out_indices!r} must index the {num_outs} outputs')
        if not -1 <= frozen_stages <= len(stages):
            raise ValueError(f'frozen_stages must be in [-1, {len(stages)}], got {frozen_stages}')
        w = lambda c: max(8, int(round(c * widen_factor / 8)) * 8)  # noqa: E731 (multiples of 8)
        self.out_indices = tuple(sorted(out_indices))
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.in_channels = in_channels
        self.stem = ConvModule(in_channels, w(stem_channels), 3, 2, 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.first = make_op('k3e1', w(stem_channels), w(first_channels), 1, norm_cfg, act_cfg)
        self.layers = nn.ModuleList()
        self.layer_specs: List[Tuple[int, int, int]] = []  # (in, out, stride)
        self.stage_ends: List[int] = []  # index of every stage's last layer
        channels = w(first_channels)
        for out, num, stride in stages:
            for j in range(num):
                self.layer_specs.append((channels, w(out), stride if j == 0 else 1))
                channels = w(out)
            self.stage_ends.append(len(self.layer_specs) - 1)
        self.last = (ConvModule(channels, w(last_channels), 1, norm_cfg=norm_cfg, act_cfg=act_cfg)
                     if last_channels is not None else None)
        self.out_channels = [w(s[0]) for s in stages] + ([w(last_channels)] if self.last else [])

    def layer_ops(self, i: int) -> Tuple[str, ...]:
        """The ops allowed in layer ``i`` (skip only where the shape is kept)."""
        cin, cout, stride = self.layer_specs[i]
        return tuple(op for op in MBCONV_OPS if op != 'skip' or (stride == 1 and cin == cout))

    def _run_layer(self, i: int, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """(N, C, H, W) images -> the feature maps of ``out_indices``."""
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'expected (N, {self.in_channels}, H, W) inputs, got {tuple(x.shape)}')
        x = self.first(self.stem(x))
        outs = []
        stage = 0
        for i in range(len(self.layer_specs)):
            x = self._run_layer(i, x)
            if i == self.stage_ends[stage]:
                if stage in self.out_indices:
                    outs.append(x)
                stage += 1
        if self.last is not None:
            x = self.last(x)
            if len(self.stage_ends) in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def _freeze(self) -> None:
        if self.frozen_stages < 0:
            return
        frozen = [self.stem, self.first]
        ends = [-1] + self.stage_ends
        for s in range(self.frozen_stages):
            frozen += [self.layers[i] for i in range(ends[s] + 1, ends[s + 1] + 1)]
        for m in frozen:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True):
        super().train(mode)
        self._freeze()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, nn.modules.batchnorm._BatchNorm):
                    m.eval()
        return self


class PCNASNet(_PCNASBase):
    """A fixed PC-NAS network: one op per searchable layer.

    Args:
        ops (Sequence[str], optional): one of ``'k{3,5,7}e{3,6}'`` or ``'skip'`` per layer.
        arch (str, optional): an architecture YAML file (family ``pcnas``) giving ``ops`` (and, if
            present, ``stages``, ``widen_factor``); exclusive with ``ops``.
        stages (Sequence[tuple]): (out_channels, layers, first stride) of every stage.
            Defaults to :data:`PCNAS_STAGES`.
        in_channels (int): image channels. Defaults to 3.
        stem_channels (int), first_channels (int): stem conv and fixed first MBConv widths.
            Defaults to 40 and 24.
        last_channels (int, optional): width of the final 1x1 conv; None for none. Defaults to 1728.
        widen_factor (float): width multiplier (widths rounded to multiples of 8). Defaults to 1.0.
        out_indices (Sequence[int]): outputs returned (stage indices; ``len(stages)`` is the last conv).
            Defaults to the last output.
        frozen_stages (int): freeze the stem and the first ``frozen_stages`` stages; -1 freezes nothing.
        norm_cfg (dict), act_cfg (dict): norm and activation. Defaults to BN and ReLU6.
        norm_eval (bool): keep BN in eval mode while training. Defaults to False.
        init_cfg (dict | list, optional): initialisation. Defaults to Kaiming for convs.
    """

    def __init__(self,
                 ops: Optional[Sequence[str]] = None,
                 arch: Optional[str] = None,
                 stages: Sequence[Sequence[int]] = PCNAS_STAGES,
                 in_channels: int = 3,
                 stem_channels: int = 40,
                 first_channels: int = 24,
                 last_channels: Optional[int] = 1728,
                 widen_factor: float = 1.0,
                 out_indices: Union[int, Sequence[int]] = (-1, ),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(type='Kaiming', layer='Conv2d')):
        if arch is not None:
            if ops is not None:
                raise ValueError('give either ops or arch, not both')
            spec = load_arch(arch)
            if spec['family'] != 'pcnas':
                raise ValueError(f'{arch!r} describes a {spec["family"]}, not a pcnas network')
            ops = spec['ops']
            stages = spec.get('stages', stages)
            widen_factor = spec.get('widen_factor', widen_factor)
        if ops is None:
            raise ValueError('PCNASNet needs ops (one per layer) or an arch file')
        num_outs = len(stages) + (last_channels is not None)
        out_indices = tuple(i % num_outs for i in ((out_indices, ) if isinstance(out_indices, int)
                                                   else out_indices))
        super().__init__(stages, in_channels, stem_channels, first_channels, last_channels, widen_factor,
                         out_indices, frozen_stages, norm_cfg, act_cfg, norm_eval, init_cfg)
        if len(ops) != len(self.layer_specs):
            raise ValueError(f'{len(ops)} ops for {len(self.layer_specs)} searchable layers')
        for i, op in enumerate(ops):
            if op not in self.layer_ops(i):
                raise ValueError(f'layer {i} cannot be {op!r}; allowed: {self.layer_ops(i)}')
            self.layers.append(make_op(op, *self.layer_specs[i], norm_cfg, act_cfg))
        self.ops = tuple(ops)
        self._freeze()

    def _run_layer(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return self.layers[i](x)


class PCNASSupernet(_PCNASBase):
    """The PC-NAS supernet: every searchable layer holds all its ops (a *mixop*); one runs per step.

    Arguments are :class:`PCNASNet`'s without ``ops``/``arch``. An architecture is a tuple of op names.
    ``sample_arch`` is uniform over the whole space; PC-NAS's pool-restricted, latency-constrained sampling
    is :class:`~mmx.nas.PCNASPoolHook`'s.
    """

    def __init__(self,
                 stages: Sequence[Sequence[int]] = PCNAS_STAGES,
                 in_channels: int = 3,
                 stem_channels: int = 40,
                 first_channels: int = 24,
                 last_channels: Optional[int] = 1728,
                 widen_factor: float = 1.0,
                 out_indices: Union[int, Sequence[int]] = (-1, ),
                 frozen_stages: int = -1,
                 norm_cfg: dict = dict(type='BN'),
                 act_cfg: dict = dict(type='ReLU6'),
                 norm_eval: bool = False,
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(type='Kaiming', layer='Conv2d')):
        num_outs = len(stages) + (last_channels is not None)
        out_indices = tuple(i % num_outs for i in ((out_indices, ) if isinstance(out_indices, int)
                                                   else out_indices))
        super().__init__(stages, in_channels, stem_channels, first_channels, last_channels, widen_factor,
                         out_indices, frozen_stages, norm_cfg, act_cfg, norm_eval, init_cfg)
        self.stages = [tuple(s) for s in stages]
        self.widen_factor = widen_factor
        for i, spec in enumerate(self.layer_specs):
            self.layers.append(nn.ModuleDict(
                {op: make_op(op, *spec, norm_cfg, act_cfg) for op in self.layer_ops(i)}))
        self.layer_choices = [self.layer_ops(i) for i in range(len(self.layer_specs))]
        self.arch = tuple(c[0] for c in self.layer_choices)
        self._freeze()

    def check_arch(self, arch: Sequence[str]) -> Tuple[str, ...]:
        arch = tuple(arch)
        if len(arch) != len(self.layer_choices) or any(
                op not in c for op, c in zip(arch, self.layer_choices)):
            raise ValueError(f'{arch!r} is not an architecture of this supernet (per-layer choices '
                             f'{self.layer_choices})')
        return arch

    def set_arch(self, arch: Sequence[str]) -> None:
        self.arch = self.check_arch(arch)

    def sample_arch(self, rng: random.Random) -> Tuple[str, ...]:
        return tuple(rng.choice(c) for c in self.layer_choices)

    def path_state_dict(self, arch: Sequence[str]) -> Dict[str, torch.Tensor]:
        """The weights of one path under :class:`PCNASNet`'s names."""
        arch = self.check_arch(arch)
        state = {}
        for k, v in self.state_dict().items():
            if not k.startswith('layers.'):
                state[k] = v
                continue
            _, i, op, rest = k.split('.', 3)
            if arch[int(i)] == op:
                state[f'layers.{i}.{rest}'] = v
        return state

    def _run_layer(self, i: int, x: torch.Tensor) -> torch.Tensor:
        return self.layers[i][self.arch[i]](x)


for _cls in (PCNASNet, PCNASSupernet):
    MODELS.register_module(module=_cls)
    MMDET_MODELS.register_module(module=_cls)
