"""A small plain CNN backbone whose convolution, norm and activation layers come from configs."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmcv.cnn import build_activation_layer, build_conv_layer, build_norm_layer
from mmengine.model import BaseModule

from mmx.registry import MODELS

__all__ = ['ConvNormAct', 'SmallConvNet']


class ConvNormAct(nn.Module):
    """conv -> norm -> activation, each layer built from its config.

    The norm layer is stored under the name mmcv's ``build_norm_layer`` gives it (``bn``, ``gn``, ...), so
    checkpoints read like mmcv's ``ConvModule``.

    Args:
        in_channels (int): input channels.
        out_channels (int): output channels.
        kernel_size (int): square kernel size; padding keeps the size at stride 1.
        stride (int): convolution stride.
        conv_cfg (dict, optional): conv layer config; None means ``nn.Conv2d``.
        norm_cfg (dict, optional): norm layer config; None means no norm (and a conv bias).
        act_cfg (dict, optional): activation config; None means no activation.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int,
                 conv_cfg: Optional[dict], norm_cfg: Optional[dict], act_cfg: Optional[dict]):
        super().__init__()
        # mmcv's builders report an unknown type as "Cannot find None in registry"; name the config.
        try:
            self.conv = build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size, stride=stride,
                                         padding=kernel_size // 2, bias=norm_cfg is None)
        except KeyError as err:
            raise KeyError(f'cannot build a conv layer from conv_cfg={conv_cfg}: {err}') from err
        self.norm_name = None
        if norm_cfg is not None:
            try:
                self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            except KeyError as err:
                raise KeyError(f'cannot build a norm layer from norm_cfg={norm_cfg}: {err}') from err
            self.add_module(self.norm_name, norm)
        self.act = build_activation_layer(act_cfg) if act_cfg is not None else nn.Identity()

    @property
    def norm(self) -> Optional[nn.Module]:
        """The norm layer, or None."""
        return getattr(self, self.norm_name) if self.norm_name else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        if self.norm_name:
            x = self.norm(x)
        return self.act(x)


@MODELS.register_module()
class SmallConvNet(BaseModule):
    """A plain stack of conv-norm-act stages for small image-classification experiments.

    Stage ``i`` has ``depths[i]`` :class:`ConvNormAct` blocks with ``widths[i]`` channels; its first block
    has stride ``strides[i]``. Any input size works (a stride-2 conv maps 1x1 to 1x1). The layers come from
    ``conv_cfg``/``norm_cfg``/``act_cfg``, so a config swaps BN for GN or a custom registered norm or conv.

    Args:
        in_channels (int): image channels. Defaults to 3.
        widths (Sequence[int]): output channels of each stage. Defaults to (32, 64, 128).
        strides (Sequence[int], optional): stride of each stage's first block. Defaults to None:
            1 for the first stage and 2 for the others.
        depths (Sequence[int], optional): blocks per stage. Defaults to None: one block per stage.
        kernel_size (int): odd kernel size of every conv. Defaults to 3.
        out_indices (Sequence[int]): stages whose outputs are returned; negative indices count from
            the end. Defaults to (-1,), the last stage.
        frozen_stages (int): the first ``frozen_stages`` stages are frozen (no gradient, norm layers in
            eval mode); -1 or 0 freezes nothing. Unlike mmdet's ResNet there is no separate stem, so
            ``frozen_stages=1`` freezes stage 0 only. Defaults to -1.
        norm_eval (bool): keep every norm layer in eval mode during training, freezing running
            statistics (any norm built by ``norm_cfg``, not only BN). Defaults to False.
        conv_cfg (dict, optional): conv config. Defaults to None (``nn.Conv2d``).
        norm_cfg (dict, optional): norm config. Defaults to ``dict(type='BN')``.
        act_cfg (dict, optional): activation config. Defaults to ``dict(type='ReLU')``.
        init_cfg (dict | list[dict], optional): initialisation. Defaults to Kaiming (fan-out, ReLU) for
            every ``nn.Conv2d`` and its subclasses; norm layers keep their own initialisation.
    """

    def __init__(self,
                 in_channels: int = 3,
                 widths: Sequence[int] = (32, 64, 128),
                 strides: Optional[Sequence[int]] = None,
                 depths: Optional[Sequence[int]] = None,
                 kernel_size: int = 3,
                 out_indices: Sequence[int] = (-1, ),
                 frozen_stages: int = -1,
                 norm_eval: bool = False,
                 conv_cfg: Optional[dict] = None,
                 norm_cfg: Optional[dict] = dict(type='BN'),
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 init_cfg: Optional[Union[dict, List[dict]]] = dict(type='Kaiming', layer='Conv2d')):
        super().__init__(init_cfg=init_cfg)
        num_stages = len(widths)
        strides = (1, ) + (2, ) * (num_stages - 1) if strides is None else strides
        depths = (1, ) * num_stages if depths is None else depths
        if num_stages == 0 or len(strides) != num_stages or len(depths) != num_stages:
            raise ValueError('widths, strides and depths must be non-empty and of equal length, got '
                             f'{len(widths)}, {len(strides)} and {len(depths)}')
        if kernel_size % 2 == 0:
            raise ValueError(f'kernel_size must be odd, got {kernel_size}')
        self.out_indices = self._normalise_indices(out_indices, num_stages)
        if not -1 <= frozen_stages <= num_stages:
            raise ValueError(f'frozen_stages must be in [-1, {num_stages}], got {frozen_stages}')
        self.in_channels = in_channels
        self.widths = tuple(widths)
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval

        self.stages = nn.ModuleList()
        channels = in_channels
        for width, stride, depth in zip(widths, strides, depths):
            blocks = []
            for j in range(depth):
                blocks.append(ConvNormAct(channels, width, kernel_size, stride if j == 0 else 1,
                                          conv_cfg, norm_cfg, act_cfg))
                channels = width
            self.stages.append(nn.Sequential(*blocks))
        self._freeze_stages()

    @staticmethod
    def _normalise_indices(out_indices: Sequence[int], num_stages: int) -> Tuple[int, ...]:
        if isinstance(out_indices, int):
            out_indices = (out_indices, )
        if not out_indices or not all(-num_stages <= i < num_stages for i in out_indices):
            raise ValueError(f'out_indices {out_indices!r} must be non-empty and index one of the '
                             f'{num_stages} stages')
        return tuple(sorted({i % num_stages for i in out_indices}))

    def _norm_layers(self) -> List[nn.Module]:
        return [block.norm for stage in self.stages for block in stage if block.norm is not None]

    def _freeze_stages(self) -> None:
        for stage in self.stages[:max(self.frozen_stages, 0)]:
            stage.eval()
            for param in stage.parameters():
                param.requires_grad = False

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Run the stages.

        Args:
            x (Tensor): (N, in_channels, H, W) images.

        Returns:
            tuple[Tensor]: the (N, widths[i], H_i, W_i) outputs of the stages in ``out_indices``.
        """
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'SmallConvNet expects (N, {self.in_channels}, H, W) inputs, got shape '
                             f'{tuple(x.shape)}')
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def train(self, mode: bool = True) -> 'SmallConvNet':
        """Set train mode, keeping frozen stages and (with ``norm_eval``) every norm layer in eval."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for norm in self._norm_layers():
                norm.eval()
        return self
