"""Unified INT8 training (Zhu et al., CVPR 2020, https://arxiv.org/abs/1912.12607) for any OpenMMLab CNN.

Registered in mmengine's root registries (found by bare name from every scope):

* ``Int8Conv2d``, ``Int8Linear`` (``MODELS``): INT8 forward/backward GEMMs, stochastic rounding and DSGC
  for gradients; :func:`convert_to_int8` swaps them into a built model;
* ``Int8Runner`` (``RUNNERS``): converts the model from the config's ``int8_training`` dict;
* ``DSGCHook`` (``HOOKS``): periodic refresh of the gradient clips, logging;
* ``DCLROptimWrapper``, ``DCLRAmpOptimWrapper`` (``OPTIM_WRAPPERS``) and ``Int8OptimWrapperConstructor``
  (``OPTIM_WRAPPER_CONSTRUCTORS``): Deviation Counteractive Learning Rate scaling.
"""
from .convert import DEFAULT_SKIP, convert_to_int8, finalize_refresh, quantized_layers
from .engine import (GROUP_KEY, DCLRAmpOptimWrapper, DCLRMixin, DCLROptimWrapper, DSGCHook,
                     Int8OptimWrapperConstructor, Int8Runner)
from .functional import (QMAX, clip_deviations, cosine_distance, dclr_lr_scale, dequantize,
                         dsgc_candidate_ratios, dsgc_search, fake_quantize, quantize, scale_from_clip)
from .layers import Int8Conv2d, Int8Linear, QuantizedLayerMixin, int8_gemm_supported

__all__ = [
    'DEFAULT_SKIP', 'convert_to_int8', 'finalize_refresh', 'quantized_layers', 'GROUP_KEY',
    'DCLRAmpOptimWrapper', 'DCLRMixin', 'DCLROptimWrapper', 'DSGCHook', 'Int8OptimWrapperConstructor',
    'Int8Runner', 'QMAX', 'clip_deviations', 'cosine_distance', 'dclr_lr_scale', 'dequantize',
    'dsgc_candidate_ratios', 'dsgc_search', 'fake_quantize', 'quantize', 'scale_from_clip', 'Int8Conv2d',
    'Int8Linear', 'QuantizedLayerMixin', 'int8_gemm_supported'
]
