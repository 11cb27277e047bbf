"""INT8-trained ``Conv2d`` and ``Linear`` layers (Zhu et al., "Towards Unified INT8 Training for
Convolutional Neural Network", CVPR 2020, https://arxiv.org/abs/1912.12607).

All three GEMMs of a layer take INT8 operands (the paper's Figure 1):

* forward ``Y = Q(W) ⊛ Q(X)`` (weights and activations, clip = max, round half to even);
* input gradient ``G_X = Q(G_Y) ⊛ᵀ Q(W)`` and weight gradient ``G_W = Q(G_Y) ⊛ᵀ Q(X)``, where ``Q(G_Y)`` is
  the output gradient quantised with stochastic rounding and the layer's DSGC clip.

The bias and its gradient stay in floating point (an addition, not a GEMM; the paper keeps BN and other
non-GEMM layers in floating point too). Quantisation conventions: :mod:`mmx.cnn.int8.functional`.

Backends:

* ``'simulate'`` (any device): the quantised values are exact in float32, the GEMMs are float convolutions
  and matmuls of them (fake quantisation). Numerically the INT8 scheme, with float32 accumulation; no speed-up.
* ``'int8'``: Linear layers and 1×1 convolutions (stride 1, no padding, one group) run their three GEMMs on
  the int8 codes with ``torch._int_mm`` (int32 accumulation, then one float rescale): real INT8 compute where
  the device has INT8 matrix units (CUDA, compute capability >= 7.5). A GEMM outside ``_int_mm``'s limits
  (rows <= 16, or inner/output sizes not multiples of 8) and every other convolution fall back to the
  simulated path for that GEMM. ``_int_mm`` also runs on a CPU (slowly; for tests).
"""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmx.registry import NEUTRAL_MODELS
from .functional import (cosine_distance, dequantize, dsgc_candidate_ratios, dsgc_search, fake_quantize,
                         quantize, scale_from_clip)

__all__ = ['Int8Conv2d', 'Int8Linear', 'QuantizedLayerMixin', 'int8_gemm_supported']

GRAD_ROUNDINGS = ('stochastic', 'nearest')
BACKENDS = ('simulate', 'int8')


def _tensor_scale(x: Tensor) -> Tensor:
    """Scale of a weight or activation: clip = max|x|."""
    return scale_from_clip(x.detach().abs().amax().float())


def _float32(*tensors: Optional[Tensor]) -> tuple:
    """The operands in float32: INT8 values and their products are exact there, and a layer called under
    autocast (AMP) gets float32 operands whatever the autocast dtype (autograd casts the gradients back to
    each input's dtype)."""
    return tuple(t.float() if t is not None and t.dtype != torch.float32 else t for t in tensors)


def _no_autocast(x: Tensor):
    return torch.autocast(x.device.type, enabled=False)


def int8_gemm_supported(m: int, k: int, n: int) -> bool:
    """Whether ``torch._int_mm`` takes an (m, k) x (k, n) product: m > 16, k and n multiples of 8."""
    return m > 16 and k % 8 == 0 and n % 8 == 0 and k > 0 and n > 0


def _int8_mm(a: Tensor, b: Tensor) -> Tensor:
    """(M, K) x (K, N) product of int8 codes, exact, as float32: ``torch._int_mm`` where its limits allow
    (row-major A, column-major B, as cuBLASLt wants), else a float matmul of the codes."""
    (m, k), n = a.shape, b.shape[1]
    if int8_gemm_supported(m, k, n):
        return torch._int_mm(a.contiguous(), b.t().contiguous().t()).float()
    return a.float() @ b.float()


class QuantizedLayerMixin:
    """The gradient quantiser and DSGC state shared by :class:`Int8Conv2d` and :class:`Int8Linear`.

    State (buffers, so checkpoints save it and resumed runs continue from it):

    * ``grad_clip_ratio`` (): DSGC's clip as a fraction of ``max|G_Y|`` (1 = no clipping). Between two
      refreshes the clip is this ratio times the current ``max|G_Y|``, so it follows the gradient's scale as
      the learning rate and the loss change (a fixed absolute clip would saturate or waste levels);
    * ``grad_clip`` (): the absolute clip value ``c*`` found at the last refresh (for logging);
    * ``grad_deviation`` (): ``d = 1 − cos(G_Y, Q(G_Y))`` of the quantised gradient actually used (stochastic
      rounding included) at the last refresh: DCLR's input;
    * ``num_refreshes`` (): how many refreshes produced the state.

    A refresh happens in the backward passes of a training iteration for which ``refresh_pending`` is set
    (by :class:`~mmx.engine.DSGCHook`, every ``period`` iterations). Every backward call of that iteration
    (a layer shared by several FPN levels has several) searches its own clip and quantises with it; their
    statistics are averaged, over calls and over DDP processes, by :func:`~mmx.cnn.int8.finalize_refresh`.
    """

    _QUANT_BUFFERS = ('grad_clip_ratio', 'grad_clip', 'grad_deviation', 'num_refreshes')

    def _init_quant(self, grad_rounding: str = 'stochastic', dsgc: bool = True, num_candidates: int = 64,
                    min_ratio: float = 0.01, backend: str = 'simulate') -> None:
        if grad_rounding not in GRAD_ROUNDINGS:
            raise ValueError(f'grad_rounding must be one of {GRAD_ROUNDINGS}, got {grad_rounding!r}')
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}')
        self.grad_rounding = grad_rounding
        self.dsgc = bool(dsgc)
        self.backend = backend
        # validates num_candidates and min_ratio
        self.num_candidates, self.min_ratio = num_candidates, min_ratio
        self._ratios = dsgc_candidate_ratios(num_candidates, min_ratio)
        device = self.weight.device
        self.register_buffer('grad_clip_ratio', torch.ones((), device=device))
        self.register_buffer('grad_clip', torch.zeros((), device=device))
        self.register_buffer('grad_deviation', torch.zeros((), device=device))
        self.register_buffer('num_refreshes', torch.zeros((), dtype=torch.long, device=device))
        self.refresh_pending = False
        self.refresh_generation = 0  # finalised refreshes in this process (a host counter, not saved)
        self._refresh_stats: List[Tensor] = []

    def quantize_grad(self, g: Tensor) -> Tuple[Tensor, Tensor]:
        """Quantise an output gradient with the layer's clip (searching it first during a refresh).

        Args:
            g (Tensor): the output gradient ``G_Y``, any shape, non-empty.

        Returns:
            tuple[Tensor, Tensor]: int8 codes (shape of ``g``) and the () scale.
        """
        amax = g.abs().amax().float()
        if self.refresh_pending:
            ratio = dsgc_search(g, self._ratios.to(g.device))[0] if self.dsgc else amax.new_ones(())
        else:
            ratio = self.grad_clip_ratio
        clip = amax * ratio
        scale = scale_from_clip(clip)
        codes = quantize(g, scale, stochastic=self.grad_rounding == 'stochastic')
        if self.refresh_pending:
            d = cosine_distance(g, dequantize(codes, scale, g.dtype))
            self._refresh_stats.append(torch.stack([ratio.float(), d.float(), clip.float()]))
        return codes, scale

    def pop_refresh_stats(self) -> Optional[Tensor]:
        """The mean (ratio, d, clip) of this process's backward calls since the last refresh, or None.

        Returns:
            Tensor | None: (4,) sums of the finite (ratio, d, clip) rows and their count.
        """
        if not self._refresh_stats:
            return None
        stats = torch.stack(self._refresh_stats)
        self._refresh_stats = []
        finite = torch.isfinite(stats).all(1, keepdim=True)
        stats = torch.where(finite, stats, 0.0)
        return torch.cat([stats.sum(0), finite.sum().float().reshape(1)])

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
        # A floating-point checkpoint (pretrained weights, an FP32 run) has no quantiser state: keep the
        # initial one (no clipping, no deviation) instead of failing a strict load.
        for name in self._QUANT_BUFFERS:
            if prefix + name in missing_keys:
                missing_keys.remove(prefix + name)

    def _quant_repr(self) -> str:
        return (f'grad_rounding={self.grad_rounding}, dsgc={self.dsgc}, num_candidates={self.num_candidates}, '
                f'min_ratio={self.min_ratio}, backend={self.backend}')


class _Int8ConvFunction(torch.autograd.Function):
    """Simulated INT8 convolution; ``module`` supplies the geometry and the gradient quantiser."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Optional[Tensor], module: 'Int8Conv2d') -> Tensor:
        x, weight, bias = _float32(x, weight, bias)
        xq, wq = fake_quantize(x, _tensor_scale(x)), fake_quantize(weight, _tensor_scale(weight))
        ctx.save_for_backward(xq, wq)
        ctx.module, ctx.has_bias = module, bias is not None
        with _no_autocast(x):
            return F.conv2d(xq, wq, bias, module.stride, module.padding, module.dilation, module.groups)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        xq, wq = ctx.saved_tensors
        m = ctx.module
        grad_out = grad_out.float()
        codes, scale = m.quantize_grad(grad_out)
        gq = dequantize(codes, scale, grad_out.dtype)
        grad_x, grad_w, _ = torch.ops.aten.convolution_backward(
            gq, xq, wq, None, m.stride, m.padding, m.dilation, False, [0, 0], m.groups,
            [ctx.needs_input_grad[0], ctx.needs_input_grad[1], False])
        grad_b = grad_out.sum((0, 2, 3)) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b, None


class _Int8GemmFunction(torch.autograd.Function):
    """``Y = X Wᵀ + b`` for 2-D X (M, K) and W (N, K) on int8 codes (``torch._int_mm`` where possible)."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Optional[Tensor], module: QuantizedLayerMixin) -> Tensor:
        x, weight, bias = _float32(x, weight, bias)
        sx, sw = _tensor_scale(x), _tensor_scale(weight)
        xc, wc = quantize(x.detach(), sx), quantize(weight.detach(), sw)
        ctx.save_for_backward(xc, wc, sx, sw)
        ctx.module, ctx.has_bias = module, bias is not None
        y = _int8_mm(xc, wc.t()) * (sx * sw)
        return y + bias if bias is not None else y

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        xc, wc, sx, sw = ctx.saved_tensors
        grad_out = grad_out.float()
        gc, sg = ctx.module.quantize_grad(grad_out)
        grad_x = grad_w = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_x = _int8_mm(gc, wc) * (sg * sw)
        if ctx.needs_input_grad[1]:
            grad_w = _int8_mm(gc.t(), xc) * (sg * sx)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            grad_b = grad_out.sum(0)
        return grad_x, grad_w, grad_b, None


class _Int8LinearSimFunction(torch.autograd.Function):
    """Simulated ``Y = Q(X) Q(W)ᵀ + b`` for 2-D X (M, K)."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Optional[Tensor], module: QuantizedLayerMixin) -> Tensor:
        x, weight, bias = _float32(x, weight, bias)
        xq, wq = fake_quantize(x, _tensor_scale(x)), fake_quantize(weight, _tensor_scale(weight))
        ctx.save_for_backward(xq, wq)
        ctx.module, ctx.has_bias = module, bias is not None
        with _no_autocast(x):
            return F.linear(xq, wq, bias)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        xq, wq = ctx.saved_tensors
        grad_out = grad_out.float()
        codes, scale = ctx.module.quantize_grad(grad_out)
        gq = dequantize(codes, scale, grad_out.dtype)
        grad_x = gq @ wq if ctx.needs_input_grad[0] else None
        grad_w = gq.t() @ xq if ctx.needs_input_grad[1] else None
        grad_b = grad_out.sum(0) if ctx.has_bias and ctx.needs_input_grad[2] else None
        return grad_x, grad_w, grad_b, None


def _linear_2d(module: QuantizedLayerMixin, x2: Tensor, weight2: Tensor, bias: Optional[Tensor]) -> Tensor:
    fn = _Int8GemmFunction if module.backend == 'int8' else _Int8LinearSimFunction
    return fn.apply(x2, weight2, bias, module)


@NEUTRAL_MODELS.register_module()
class Int8Conv2d(QuantizedLayerMixin, nn.Conv2d):
    """``nn.Conv2d`` trained with INT8 forward and backward GEMMs, DSGC gradient clipping (see the module
    docstring for the scheme and :class:`QuantizedLayerMixin` for the state).

    A drop-in subclass: same arguments, parameters and state-dict keys as ``nn.Conv2d`` plus the quantiser
    buffers, so ``conv_cfg=dict(type='Int8Conv2d')`` works in any mmcv/mmdet/mmaction2 config; usually one
    converts a whole model with :func:`~mmx.cnn.int8.convert_to_int8` instead. An empty input (an image without
    RoIs) runs the float convolution.

    Args:
        *args, **kwargs: ``nn.Conv2d``'s; ``padding`` must be numeric and ``padding_mode`` ``'zeros'``.
        grad_rounding (str): ``'stochastic'`` (the paper) or ``'nearest'`` for output gradients.
        dsgc (bool): search the gradient clip (Direction Sensitive Gradient Clipping) at each refresh;
            False keeps clip = max|G_Y| (naive INT8). Defaults to True.
        num_candidates (int): DSGC candidate clip ratios (geometric grid). Defaults to 64.
        min_ratio (float): smallest candidate ratio ``c / max|G_Y|``. Defaults to 0.01.
        backend (str): ``'simulate'`` or ``'int8'`` (real INT8 GEMMs for 1×1 convolutions). Defaults to
            ``'simulate'``.
    """

    def __init__(self, *args, grad_rounding: str = 'stochastic', dsgc: bool = True, num_candidates: int = 64,
                 min_ratio: float = 0.01, backend: str = 'simulate', **kwargs):
        super().__init__(*args, **kwargs)
        self._check_conv()
        self._init_quant(grad_rounding, dsgc, num_candidates, min_ratio, backend)

    def _check_conv(self) -> None:
        if isinstance(self.padding, str) or self.padding_mode != 'zeros':
            raise ValueError('Int8Conv2d needs numeric zero padding, got padding='
                             f'{self.padding!r}, padding_mode={self.padding_mode!r}')

    @property
    def is_gemm(self) -> bool:
        """A 1×1 convolution that is a plain GEMM over the pixels (stride 1, no padding, one group)."""
        return (self.kernel_size == (1, 1) and self.stride == (1, 1) and self.padding == (0, 0)
                and self.groups == 1)

    def forward(self, x: Tensor) -> Tensor:
        if x.numel() == 0:
            return super().forward(x)
        if self.backend == 'int8' and self.is_gemm:
            n, c, h, w = x.shape
            x2 = x.permute(0, 2, 3, 1).reshape(-1, c)
            y2 = _linear_2d(self, x2, self.weight.view(self.out_channels, c), self.bias)
            return y2.view(n, h, w, self.out_channels).permute(0, 3, 1, 2)
        return _Int8ConvFunction.apply(x, self.weight, self.bias, self)

    def extra_repr(self) -> str:
        return super().extra_repr() + ', ' + self._quant_repr()


@NEUTRAL_MODELS.register_module()
class Int8Linear(QuantizedLayerMixin, nn.Linear):
    """``nn.Linear`` trained with INT8 forward and backward GEMMs and DSGC gradient clipping; inputs of
    any shape (..., in_features). Arguments as :class:`Int8Conv2d`'s (``backend='int8'`` runs every GEMM
    that ``torch._int_mm`` accepts in INT8)."""

    def __init__(self, *args, grad_rounding: str = 'stochastic', dsgc: bool = True, num_candidates: int = 64,
                 min_ratio: float = 0.01, backend: str = 'simulate', **kwargs):
        super().__init__(*args, **kwargs)
        self._init_quant(grad_rounding, dsgc, num_candidates, min_ratio, backend)

    def forward(self, x: Tensor) -> Tensor:
        if x.numel() == 0:
            return super().forward(x)
        lead = x.shape[:-1]
        y2 = _linear_2d(self, x.reshape(math.prod(lead), x.shape[-1]), self.weight, self.bias)
        return y2.view(*lead, self.out_features)

    def extra_repr(self) -> str:
        return super().extra_repr() + ', ' + self._quant_repr()
