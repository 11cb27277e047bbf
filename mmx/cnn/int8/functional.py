"""The maths of unified INT8 training as pure functions (Zhu et al., CVPR 2020, arXiv 1912.12607).

Conventions (every quantised tensor in :mod:`mmx.cnn.int8`):

* **symmetric, per tensor, 8 bits, 255 levels**: a clip value ``c > 0`` gives the scale ``s = c / 127`` and
  the integer codes ``q = clamp(R(x / s), -127, 127)`` (int8; -128 is never used, so the range is symmetric);
  the dequantised value is ``Q(x) = s · q``. Here ``x / s`` is computed as ``x · (1 / s)`` in the tensor's
  dtype (what ``torch.fake_quantize_per_tensor_affine`` does, so the fused and the explicit paths agree bit
  for bit).
* **R, the rounding**: round half to even (``torch.round``) for weights, activations and the DSGC search;
  **stochastic rounding** ``floor(y + u)``, ``u ~ U[0, 1)``, for gradients, unbiased: ``E[floor(y + u)] = y``.
* **clip values**: weights and activations use ``c = max|x|`` (no clipping); gradients use
  ``c = r · max|g|`` with the ratio ``r`` chosen by DSGC (``r = 1``, no clipping, for naive INT8).
* A tensor of zeros gets the smallest positive scale, so that it quantises to zeros.
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = [
    'QMAX', 'scale_from_clip', 'quantize', 'dequantize', 'fake_quantize', 'cosine_distance',
    'dsgc_candidate_ratios', 'clip_deviations', 'dsgc_search', 'dclr_lr_scale'
]

#: the largest int8 code used; codes lie in [-QMAX, QMAX]
QMAX = 127
# candidate-by-element products a DSGC chunk may hold (16 M floats, 64 MB)
_SEARCH_CHUNK_ELEMENTS = 1 << 24


def scale_from_clip(clip: Tensor) -> Tensor:
    """``s = c / 127``, never zero.

    Args:
        clip (Tensor): () or (K,) non-negative clip values.

    Returns:
        Tensor: scales of the same shape (float32 at least).
    """
    clip = clip.float() if not clip.is_floating_point() else clip
    return (clip / QMAX).clamp_min(torch.finfo(clip.dtype).tiny)


def quantize(x: Tensor, scale: Tensor, stochastic: bool = False, generator: Optional[torch.Generator] = None
             ) -> Tensor:
    """Integer codes ``clamp(R(x / s), -127, 127)``.

    Args:
        x (Tensor): any shape, floating point.
        scale (Tensor): () positive scale ``s`` (see :func:`scale_from_clip`).
        stochastic (bool): stochastic rounding ``floor(x / s + u)`` instead of round half to even.
        generator (torch.Generator, optional): random source of the stochastic rounding.

    Returns:
        Tensor: int8 codes, the shape of ``x``.
    """
    y = x * scale.reciprocal().to(x.dtype)
    if stochastic:
        y.add_(torch.rand(y.shape, generator=generator, dtype=y.dtype, device=y.device)).floor_()
    else:
        y.round_()
    return y.clamp_(-QMAX, QMAX).to(torch.int8)


def dequantize(codes: Tensor, scale: Tensor, dtype: torch.dtype = torch.float32) -> Tensor:
    """``s · q``.

    Args:
        codes (Tensor): int8 codes, any shape.
        scale (Tensor): () scale.
        dtype (torch.dtype): output dtype.

    Returns:
        Tensor: the dequantised values, the shape of ``codes``.
    """
    return codes.to(dtype) * scale.to(dtype)


def fake_quantize(x: Tensor, scale: Tensor) -> Tensor:
    """``Q(x) = s · clamp(round(x / s), -127, 127)`` in one fused kernel (round half to even), equal to
    ``dequantize(quantize(x, scale), scale)``.

    Args:
        x (Tensor): any shape, float32 (or another floating dtype, computed in float32).
        scale (Tensor): () scale.

    Returns:
        Tensor: the quantised values, shape and dtype of ``x``, detached.
    """
    dtype = x.dtype
    zero_point = torch.zeros((), dtype=torch.int32, device=x.device)
    out = torch.fake_quantize_per_tensor_affine(x.detach().float(), scale.float().reshape(()), zero_point,
                                                -QMAX, QMAX)
    return out.to(dtype)


def cosine_distance(a: Tensor, b: Tensor) -> Tensor:
    """``1 − cos(a, b)`` of two tensors taken as flat vectors (1 when either is zero).

    Args:
        a (Tensor): any shape.
        b (Tensor): the shape of ``a``.

    Returns:
        Tensor: () distance in [0, 2], float32 at least.
    """
    a, b = a.flatten().float(), b.flatten().float()
    denom = a.norm() * b.norm()
    cos = torch.where(denom > 0, torch.dot(a, b) / denom.clamp_min(torch.finfo(a.dtype).tiny), 0.0)
    return 1 - cos


def dsgc_candidate_ratios(num: int = 64, min_ratio: float = 0.01, device=None) -> Tensor:
    """The DSGC search grid: ``num`` clip ratios ``r = c / max|g|``, geometric from ``min_ratio`` to 1.

    A geometric grid because gradient distributions are sharp (the paper's observation 1): the best clip
    of a heavy-tailed gradient can be a few percent of its maximum.

    Args:
        num (int): number of candidates (>= 1; 1 gives ``[1.0]``, no clipping).
        min_ratio (float): the smallest ratio, in (0, 1].
        device: device of the result.

    Returns:
        Tensor: (num,) float32 ratios, increasing, the last one 1.
    """
    if num < 1:
        raise ValueError(f'the DSGC search needs at least one candidate, got num={num}')
    if not 0 < min_ratio <= 1:
        raise ValueError(f'min_ratio must be in (0, 1], got {min_ratio}')
    if num == 1:
        return torch.ones(1, device=device)
    exponents = torch.linspace(1.0, 0.0, num, dtype=torch.float64)
    return (min_ratio**exponents).float().to(device)


def clip_deviations(g: Tensor, clips: Tensor) -> Tensor:
    """Cosine distance ``d_c = 1 − cos(g, Q_c(g))`` for every clip value ``c`` (round half to even).

    Exactly the brute-force quantity, computed in one vectorised pass per chunk of candidates: only the
    non-zero magnitudes ``a = |g|`` matter (``Q`` is odd and maps 0 to 0, so ``⟨g, Q_c(g)⟩ = s·Σ a·k`` and
    ``‖Q_c(g)‖ = s·sqrt(Σ k²)`` with ``k = min(round(a / s), 127)``), and the scale cancels:
    ``cos = Σ a·k / (‖a‖ · sqrt(Σ k²))``.

    Args:
        g (Tensor): the gradient, any shape.
        clips (Tensor): (K,) positive clip values.

    Returns:
        Tensor: (K,) float32 distances (1 where ``Q_c(g)`` is all zeros, or ``g`` is).
    """
    a = g.detach().flatten().float().abs()
    a = a[a > 0]
    if a.numel() == 0:
        return torch.ones(clips.shape, device=g.device)
    inv_scales = scale_from_clip(clips.to(a.device)).reciprocal()
    norm_a = a.norm()
    chunk = max(1, _SEARCH_CHUNK_ELEMENTS // a.numel())
    out = []
    for inv in inv_scales.split(chunk):
        k = (a.unsqueeze(0) * inv.unsqueeze(1)).round_().clamp_(max=QMAX)
        dot = k @ a
        norm_k = k.square_().sum(1).sqrt_()
        cos = torch.where(norm_k > 0, dot / (norm_a * norm_k).clamp_min(torch.finfo(a.dtype).tiny), 0.0)
        out.append(1 - cos)
    return torch.cat(out)


def dsgc_search(g: Tensor, ratios: Tensor) -> Tuple[Tensor, Tensor]:
    """Direction Sensitive Gradient Clipping: ``c* = argmin_c 1 − cos(g, Q_c(g))`` over the candidates
    ``c = r · max|g|`` (of equal minima the largest clip, the least clipping).

    Args:
        g (Tensor): the gradient, any shape.
        ratios (Tensor): (K,) candidate ratios in (0, 1] (:func:`dsgc_candidate_ratios`).

    Returns:
        tuple[Tensor, Tensor]: the () best ratio and its () distance ``d_{c*}`` (nearest rounding).
    """
    ratios = ratios.to(g.device)
    deviations = clip_deviations(g, ratios * g.detach().abs().amax().float())
    best = deviations.numel() - 1 - torch.argmin(deviations.flip(0))
    return ratios[best], deviations[best]


def dclr_lr_scale(d: float, alpha: float = 20.0, beta: float = 0.1) -> float:
    """Deviation Counteractive Learning Rate scaling, ``φ(d) = max(exp(−α·d), β)``.

    Args:
        d (float): the layer's gradient deviation ``1 − cos(g, ĝ)``.
        alpha (float): decay rate α (paper: 20).
        beta (float): lower bound β (paper: 0.1).

    Returns:
        float: the factor in [β, 1] (for d >= 0) that multiplies the layer's learning rate.
    """
    return max(math.exp(-alpha * d), beta)
