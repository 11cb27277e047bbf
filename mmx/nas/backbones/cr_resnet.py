"""CRResNet: a ResNet with any block count per stage and a dilation per block (CR-NAS).

Liang et al., "Computation Reallocation for Object Detection", ICLR 2020,
https://openreview.net/forum?id=SkxLFaNKwB.
"""
from typing import Optional, Sequence

import torch.nn as nn
from mmdet.models.backbones.resnet import BasicBlock, Bottleneck, ResNet
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.registry import MODELS
from ..arch import load_arch

__all__ = ['CRResNet', 'set_block_dilation']

BLOCKS = {'basic': BasicBlock, 'bottleneck': Bottleneck}


def set_block_dilation(block: nn.Module, dilation: int) -> None:
    """Set the dilation (and the padding that keeps the size) of a block's reallocated 3x3 conv.

    That conv is ``conv2``: the second conv of a BasicBlock, the middle conv of a Bottleneck (the paper's
    choice). Only attributes change, so parameters, FLOPs and checkpoints stay the same.
    """
    if int(dilation) != dilation or dilation < 1:
        raise ValueError(f'a dilation must be a positive integer, got {dilation!r}')
    conv = block.conv2
    if conv.kernel_size != (3, 3) or not hasattr(conv, 'dilation'):
        raise TypeError(f'{type(block).__name__}.conv2 is not a 3x3 conv with a dilation: {conv}')
    conv.dilation = (int(dilation), ) * 2
    conv.padding = (int(dilation), ) * 2


class CRResNet(ResNet):
    """mmdet's ResNet with free block counts per stage and a dilation per block (CR-NAS's searched nets).

    Everything else is mmdet's :class:`~mmdet.models.backbones.ResNet` (stem, ``out_indices``,
    ``frozen_stages``, ``norm_cfg``, ``norm_eval``, ``style``, ``dcn``, ``plugins``, ``with_cp``,
    ``init_cfg``), so a CRResNet replaces a ResNet in any mmdet config. Parameter names are ResNet's
    (``layer{i}.{j}.conv2.weight``), so a net with the baseline's allocation loads ResNet checkpoints 1:1;
    for other allocations see ``tools/model_converters/crnas_resnet_transfer.py``.

    Args:
        stage_blocks (Sequence[int], optional): blocks of every stage, e.g. (3, 4, 6, 3) for ResNet-50.
        block_dilations (Sequence[Sequence[int]], optional): dilation of every block's 3x3 conv2,
            one list per stage of ``stage_blocks[i]`` entries. Defaults to None: all 1.
        block (str): ``'bottleneck'`` or ``'basic'``. Defaults to ``'bottleneck'``.
        arch (str, optional): an architecture YAML file (:func:`mmx.nas.load_arch`, family
            ``cr_resnet``) giving ``stage_blocks``, ``dilations`` and ``block``; exclusive with them.
        **kwargs: mmdet ResNet arguments except ``depth`` and ``dilations`` (given per block here).
    """

    def __init__(self,
                 stage_blocks: Optional[Sequence[int]] = None,
                 block_dilations: Optional[Sequence[Sequence[int]]] = None,
                 block: str = 'bottleneck',
                 arch: Optional[str] = None,
                 **kwargs):
        for key in ('depth', 'dilations', 'num_stages'):
            if key in kwargs:
                raise TypeError(f'CRResNet takes no {key!r}: the stages come from stage_blocks and '
                                'the dilations from block_dilations')
        if arch is not None:
            if stage_blocks is not None or block_dilations is not None:
                raise ValueError('give either arch or stage_blocks/block_dilations, not both')
            spec = load_arch(arch)
            if spec['family'] != 'cr_resnet':
                raise ValueError(f'{arch!r} describes a {spec["family"]}, not a cr_resnet')
            stage_blocks, block_dilations = spec['stage_blocks'], spec.get('dilations')
            block = spec.get('block', block)
        if block not in BLOCKS:
            raise ValueError(f'block must be one of {sorted(BLOCKS)}, got {block!r}')
        if (stage_blocks is None or not 1 <= len(stage_blocks) <= 4
                or any(int(n) != n or n < 1 for n in stage_blocks)):
            raise ValueError(f'stage_blocks must list 1 to 4 positive block counts, got {stage_blocks!r}')
        stage_blocks = tuple(int(n) for n in stage_blocks)
        if block_dilations is None:
            block_dilations = [[1] * n for n in stage_blocks]
        if (len(block_dilations) != len(stage_blocks)
                or any(len(d) != n for d, n in zip(block_dilations, stage_blocks))):
            raise ValueError(f'block_dilations {block_dilations!r} must give one dilation per block of '
                             f'stage_blocks {stage_blocks}')
        num_stages = len(stage_blocks)
        kwargs.setdefault('strides', (1, 2, 2, 2)[:num_stages])
        kwargs.setdefault('out_indices', tuple(range(num_stages)))
        # ResNet reads its blocks from arch_settings[depth]: an instance-level table with our one entry.
        self.arch_settings = {0: (BLOCKS[block], stage_blocks)}
        super().__init__(depth=0, num_stages=num_stages, dilations=(1, ) * num_stages, **kwargs)
        self.block_type = block
        self.block_dilations = [[int(d) for d in ds] for ds in block_dilations]
        for i, dils in enumerate(self.block_dilations):
            for blk, d in zip(getattr(self, self.res_layers[i]), dils):
                set_block_dilation(blk, d)


MODELS.register_module(module=CRResNet)
MMDET_MODELS.register_module(module=CRResNet)
