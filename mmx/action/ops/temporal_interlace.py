"""The temporal interlace operator of TIN: a differentiable, fractional, zero-padded temporal shift.

`Temporal Interlacing Network <https://arxiv.org/abs/2001.06499>`_ (Shao, Qian, Liu, AAAI 2020).
Official code: deepcs233/TIN ``ops/temporal_interlace.py`` and ``cuda_shift/``; mmaction2's
``ResNetTIN`` calls ``mmcv.ops.tin_shift``.

Shape shorthand: N clips, T frames (segments) per clip, C channels, L = any trailing size (H * W, or
H, W), G channel groups; channel ``c`` belongs to group ``c // (C // G)``.

For a real offset ``s = s0 + λ`` (``s0 = floor(s)``, ``0 <= λ < 1``) of group g and a weight ``w`` per
output frame and group::

    y[n, t, c] = w[n, t, g] * ((1 - λ) * x[n, t - s0, c] + λ * x[n, t - s0 - 1, c])

with ``x[n, τ] = 0`` outside ``0 <= τ < T`` (zero padding at the clip ends). A positive offset moves
content to later frames, as ``mmcv.ops.tin_shift`` does. ``λ`` carries the gradient of the offset (the
floor has none): ``∂y/∂s = w * (x[t - s0 - 1] - x[t - s0])``.

Why not ``mmcv.ops.tin_shift``: it has no CPU kernel, takes integer shifts only (the interpolation is
done around it), and its backward kernel indexes like its forward (``grad_in[t + s] = grad_out[t]``), so
the gradient of the data goes to the mirrored frames; the adjoint of a shift by ``s`` is a shift by
``-s``. Here both directions are gathers along T with a validity mask, so the backward is deterministic
(no atomic adds) and the op runs on any device and dtype, without ``.item()`` or other host-side reads.
"""
import math
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = ['temporal_interlace', 'naive_temporal_interlace', 'integer_temporal_shift']


def _source_frames(shift: Tensor, num_frames: int) -> Tuple[Tensor, Tensor]:
    """The source frame ``t - shift[n, g]`` of every output frame, clamped into the clip, and whether it
    was inside. ``shift``: (N, G); returns two (N, T, G) tensors (long, bool)."""
    frames = torch.arange(num_frames, device=shift.device)
    source = frames[None, :, None] - shift.to(torch.long)[:, None, :]
    valid = (source >= 0) & (source < num_frames)
    return source.clamp(0, num_frames - 1), valid


def _gather_frames(x: Tensor, source: Tensor) -> Tensor:
    """``x[n, source[n, t, g], g]`` for (N, T, G, D) ``x`` and (N, T, G) ``source``: whole D-rows, which
    advanced indexing copies about 3x faster than ``torch.gather`` with an expanded index on a CPU."""
    n, _, g, _ = x.shape
    clips = torch.arange(n, device=x.device)[:, None, None]
    groups = torch.arange(g, device=x.device)[None, None, :]
    return x[clips, source, groups]


def integer_temporal_shift(x: Tensor, shift: Tensor) -> Tensor:
    """Shift each clip's channel groups by whole frames, with zeros where nothing is shifted in.

    ``out[n, t, g] = x[n, t - shift[n, g], g]`` if ``0 <= t - shift[n, g] < T``, else 0; the same
    semantics as ``mmcv.ops.tin_shift`` (forward), on any device.

    Args:
        x (Tensor): (N, T, G, D) features, D = channels per group x L.
        shift (Tensor): (N, G) integer-valued shifts (any dtype); ``|shift| >= T`` gives zeros.

    Returns:
        Tensor: (N, T, G, D), the dtype and device of ``x``.
    """
    source, valid = _source_frames(shift, x.shape[1])
    return _gather_frames(x, source) * valid[..., None].to(x.dtype)


def _check_inputs(x: Tensor, offset: Tensor, weight: Optional[Tensor]) -> int:
    """Check the shapes of :func:`temporal_interlace`'s inputs; return G."""
    if x.dim() < 3:
        raise ValueError(f'x must be (N, T, C, ...), got shape {tuple(x.shape)}')
    if offset.dim() != 2 or offset.shape[0] != x.shape[0]:
        raise ValueError(f'offset must be (N, G) with N = {x.shape[0]} (clips of x), '
                         f'got shape {tuple(offset.shape)}')
    groups = offset.shape[1]
    if groups == 0 or x.shape[2] % groups:
        raise ValueError(f'the {x.shape[2]} channels of x do not split into the {groups} groups of offset')
    if weight is not None and tuple(weight.shape) != (x.shape[0], x.shape[1], groups):
        raise ValueError(f'weight must be (N, T, G) = {(x.shape[0], x.shape[1], groups)}, '
                         f'got shape {tuple(weight.shape)}')
    if not (x.is_floating_point() and offset.is_floating_point()
            and (weight is None or weight.is_floating_point())):
        raise TypeError('x, offset and weight must be floating-point tensors')
    return groups


class _TemporalInterlace(torch.autograd.Function):
    """Forward and adjoint of the interlace on (N, T, G, D) views.

    The masks and interpolation weights are folded into two (N, T, G) coefficients per tap, so each pass
    over the large tensor is one row gather and one multiply. Only x, offset and weight are saved; the two
    shifted copies of x are recomputed in the backward (the memory of a kernel, not of autograd's graph).
    The backward is itself made of differentiable operations, so double backward works.
    """

    @staticmethod
    def _taps(x: Tensor, offset: Tensor, weight: Optional[Tensor]):
        """Source frames and coefficients of the two interpolation taps (k = 0: ``t - s0``, k = 1:
        ``t - s0 - 1``), and the lambda of each clip and group."""
        floor = offset.detach().floor()
        lam = offset - floor  # (N, G)
        w = 1 if weight is None else weight
        taps = []
        for shift, share in ((floor, 1 - lam), (floor + 1, lam)):
            source, valid = _source_frames(shift, x.shape[1])
            taps.append((source, valid, valid * share[:, None, :] * w))
        return taps, lam

    @staticmethod
    def forward(ctx, x: Tensor, offset: Tensor, weight: Optional[Tensor]) -> Tensor:
        ctx.save_for_backward(x, offset, weight)
        ((src0, _, c0), (src1, _, c1)), _ = _TemporalInterlace._taps(x, offset, weight)
        out = _gather_frames(x, src0) * c0.to(x.dtype)[..., None]
        return torch.addcmul(out, _gather_frames(x, src1), c1.to(x.dtype)[..., None])

    @staticmethod
    def backward(ctx, grad_out: Tensor) -> Tuple[Optional[Tensor], ...]:
        x, offset, weight = ctx.saved_tensors
        taps, lam = _TemporalInterlace._taps(x, offset, weight)
        num_frames = x.shape[1]
        grad_x = grad_offset = grad_weight = None
        if ctx.needs_input_grad[0]:
            # The adjoint of the shift by s is the shift by -s: input frame τ receives output frame
            # τ + s with that frame's coefficient (a small (N, T, G) gather), if τ + s is in the clip.
            floor = offset.detach().floor()
            for k, (_, _, coef) in enumerate(taps):
                target, inside = _source_frames(-(floor + k), num_frames)
                adj = torch.gather(coef, 1, target) * inside
                term = _gather_frames(grad_out, target) * adj.to(x.dtype)[..., None]
                grad_x = term if grad_x is None else grad_x + term
        need_offset = ctx.needs_input_grad[1]
        need_weight = weight is not None and ctx.needs_input_grad[2]
        if need_offset or need_weight:
            acc = torch.promote_types(offset.dtype, torch.float32)  # sum half-precision products in fp32
            # (N, T, G): the correlation of the upstream gradient with each shifted copy of x
            p0, p1 = ((grad_out * _gather_frames(x, source)).sum(-1, dtype=acc) * valid
                      for source, valid, _ in taps)
            lam = lam.to(acc)[:, None, :]
            if need_offset:
                w = 1 if weight is None else weight.to(acc)
                grad_offset = (w * (p1 - p0)).sum(1).to(offset.dtype)
            if need_weight:
                grad_weight = ((1 - lam) * p0 + lam * p1).to(weight.dtype)
        return grad_x, grad_offset, grad_weight


def temporal_interlace(x: Tensor, offset: Tensor, weight: Optional[Tensor] = None) -> Tensor:
    """TIN's differentiable temporal interlace (see the module docstring for the formula).

    Args:
        x (Tensor): (N, T, C, *L) features of N clips of T frames.
        offset (Tensor): (N, G) real temporal offsets, one per clip and channel group, in frames; positive
            moves content to later frames. C must be a multiple of G.
        weight (Tensor, optional): (N, T, G) weight of each output frame and group. Default: None (all 1).

    Returns:
        Tensor: (N, T, C, *L), the dtype of ``x``. Differentiable in ``x``, ``offset`` and ``weight``.
    """
    groups = _check_inputs(x, offset, weight)
    n, t, c = x.shape[:3]
    grouped = x.reshape(n, t, groups, c // groups * math.prod(x.shape[3:]))
    return _TemporalInterlace.apply(grouped, offset, weight).reshape(x.shape)


def naive_temporal_interlace(x: Tensor, offset: Tensor, weight: Optional[Tensor] = None) -> Tensor:
    """The same operator as :func:`temporal_interlace`, written frame by frame in plain autograd.

    The reference of the tests and of the speed benchmark: for every clip, group and output frame it picks
    the two source frames of the interpolation with Python indexing, so it shares no code with the
    vectorised op. Slow (N x G x T small operations).
    """
    groups = _check_inputs(x, offset, weight)
    n, t, c = x.shape[:3]
    size = c // groups
    clips = []
    for i in range(n):
        group_outputs = []
        for g in range(groups):
            s = offset[i, g]
            s0 = int(torch.floor(s.detach()))
            lam = s - s0
            frames = []
            for frame in range(t):
                value = torch.zeros_like(x[i, 0, g * size:(g + 1) * size])
                if 0 <= frame - s0 < t:
                    value = value + (1 - lam) * x[i, frame - s0, g * size:(g + 1) * size]
                if 0 <= frame - s0 - 1 < t:
                    value = value + lam * x[i, frame - s0 - 1, g * size:(g + 1) * size]
                if weight is not None:
                    value = value * weight[i, frame, g]
                frames.append(value)
            group_outputs.append(torch.stack(frames))
        clips.append(torch.cat(group_outputs, 1))
    return torch.stack(clips)
