"""Unified INT8 training (Zhu et al., CVPR 2020, https://arxiv.org/abs/1912.12607): the quantised layers.

Registered in mmengine's root ``MODELS`` (found by bare name from every scope): ``Int8Conv2d``, ``Int8Linear``
(INT8 forward/backward GEMMs, stochastic rounding and DSGC for gradients); :func:`convert_to_int8` swaps them
into a built model. The training machinery (``Int8Runner``, ``DSGCHook``, the DCLR optimiser wrappers) is in
:mod:`mmx.engine.int8`.
"""
from .convert import DEFAULT_SKIP, convert_to_int8, finalize_refresh, quantized_layers
from .functional import (QMAX, clip_deviations, cosine_distance, dclr_lr_scale, dequantize,
                         dsgc_candidate_ratios, dsgc_search, fake_quantize, quantize, scale_from_clip)
from .layers import Int8Conv2d, Int8Linear, QuantizedLayerMixin, int8_gemm_supported

__all__ = [
    'DEFAULT_SKIP', 'convert_to_int8', 'finalize_refresh', 'quantized_layers', 'QMAX', 'clip_deviations',
    'cosine_distance', 'dclr_lr_scale', 'dequantize', 'dsgc_candidate_ratios', 'dsgc_search', 'fake_quantize',
    'quantize', 'scale_from_clip', 'Int8Conv2d', 'Int8Linear', 'QuantizedLayerMixin', 'int8_gemm_supported'
]
