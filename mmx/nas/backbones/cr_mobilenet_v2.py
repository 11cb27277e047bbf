"""CRMobileNetV2: mmdet's MobileNetV2 with free block counts per stage and a dilation per block (CR-NAS).

Liang et al., "Computation Reallocation for Object Detection", ICLR 2020. The paper's MobileNetV2 stage
option sets are in its Appendix B, not transcribed here (see configs/crnas/README.md): this class takes
any block counts; only the dilated op (the 3x3 depthwise conv of every inverted residual) is fixed.
"""
from typing import Optional, Sequence

from mmdet.models.backbones import MobileNetV2
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.registry import MODELS
from ..arch import load_arch

__all__ = ['CRMobileNetV2']


class CRMobileNetV2(MobileNetV2):
    """mmdet's MobileNetV2 with ``stage_blocks`` (7 block counts, MobileNetV2's are 1, 2, 3, 4, 3, 3, 1)
    and ``block_dilations`` (the dilation of every block's 3x3 depthwise conv; parameters unchanged).

    Args:
        stage_blocks (Sequence[int], optional): blocks of each of the 7 stages.
        block_dilations (Sequence[Sequence[int]], optional): per-block dilations. Defaults to all 1.
        arch (str, optional): a YAML file of family ``cr_mobilenet_v2`` (exclusive with the two above).
        **kwargs: mmdet MobileNetV2 arguments (``widen_factor``, ``out_indices``, ``frozen_stages``,
            ``norm_cfg``, ``norm_eval``, ``init_cfg`` ...).
    """

    def __init__(self,
                 stage_blocks: Optional[Sequence[int]] = None,
                 block_dilations: Optional[Sequence[Sequence[int]]] = None,
                 arch: Optional[str] = None,
                 **kwargs):
        if arch is not None:
            if stage_blocks is not None or block_dilations is not None:
                raise ValueError('give either arch or stage_blocks/block_dilations, not both')
            spec = load_arch(arch)
            if spec['family'] != 'cr_mobilenet_v2':
                raise ValueError(f'{arch!r} describes a {spec["family"]}, not a cr_mobilenet_v2')
            stage_blocks, block_dilations = spec['stage_blocks'], spec.get('dilations')
        defaults = [s[2] for s in MobileNetV2.arch_settings]
        stage_blocks = defaults if stage_blocks is None else list(stage_blocks)
        if len(stage_blocks) != 7 or any(int(n) != n or n < 1 for n in stage_blocks):
            raise ValueError(f'stage_blocks must list 7 positive block counts, got {stage_blocks!r}')
        if block_dilations is None:
            block_dilations = [[1] * n for n in stage_blocks]
        if (len(block_dilations) != 7 or any(len(d) != n for d, n in zip(block_dilations, stage_blocks))
                or any(int(d) != d or d < 1 for ds in block_dilations for d in ds)):
            raise ValueError(f'block_dilations {block_dilations!r} must give a positive dilation per block '
                             f'of stage_blocks {stage_blocks}')
        # MobileNetV2 builds its stages from arch_settings: an instance-level copy with our block counts
        self.arch_settings = [[e, c, int(n), s] for (e, c, _, s), n in zip(MobileNetV2.arch_settings,
                                                                        stage_blocks)]
        super().__init__(**kwargs)
        self.stage_blocks = tuple(int(n) for n in stage_blocks)
        self.block_dilations = [[int(d) for d in ds] for ds in block_dilations]
        for i, dils in enumerate(self.block_dilations):
            for blk, d in zip(getattr(self, f'layer{i + 1}'), dils):
                conv = blk.depthwise_conv.conv
                conv.dilation = (d, d)
                conv.padding = (d * (conv.kernel_size[0] // 2), ) * 2


MODELS.register_module(module=CRMobileNetV2)
MMDET_MODELS.register_module(module=CRMobileNetV2)
