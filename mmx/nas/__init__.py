"""Neural architecture search: CR-NAS (ICLR 2020) and PC-NAS (CVPR 2020).

Search spaces (:mod:`.spaces`), one-shot supernets (:mod:`.supernets`), the prefix beam search both
searchers share (:mod:`.searchers`), and the fixed searched backbones (:mod:`.backbones`), registered in
mmdet's registry and in mmx's (for :mod:`mmx.cls`).
"""
from .arch import dump_arch, load_arch
from .flops import conv_macs
from .backbones import CRMobileNetV2, CRResNet, PCNASNet, set_block_dilation
from .spaces import (CR_DILATIONS, CR_RESNET_STAGE_OPTIONS, MBCONV_OPS, RESNET_BUDGETS,
                     parse_mbconv_op, stage_allocations, useful_stage_options)
from .hooks import SPOSSampleHook
from .latency import LatencyLUT, measure_lut
from .pcnas_hook import PCNASPoolHook
from .searchers import ArchScorer, PCNASPoolSearch, PrefixBeamSearch
from .supernets import CRResNetSupernet, PCNASSupernet

__all__ = [
    'dump_arch', 'load_arch', 'conv_macs', 'CRResNet', 'set_block_dilation', 'CR_DILATIONS', 'CR_RESNET_STAGE_OPTIONS',
    'MBCONV_OPS', 'RESNET_BUDGETS', 'parse_mbconv_op', 'stage_allocations', 'useful_stage_options',
    'CRResNetSupernet', 'SPOSSampleHook', 'ArchScorer', 'PrefixBeamSearch', 'PCNASNet', 'PCNASSupernet',
    'LatencyLUT', 'measure_lut', 'PCNASPoolHook', 'PCNASPoolSearch', 'CRMobileNetV2'
]
