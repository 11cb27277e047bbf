"""Deformable RoI pooling in PyTorch: the computation of mmcv's ``DeformRoIPool`` on any device.

mmcv 2.1's ``deform_roi_pool`` has a CUDA kernel only. This module computes the same output (the average of
bilinear samples on a regular grid inside each bin of the RoI, the bin shifted by ``gamma * offset *
(roi width, roi height)``) with ``grid_sample``, so it runs on the CPU too and is differentiable with respect to
the input and the offsets. On CUDA it uses mmcv's compiled op when that works (it is faster) unless told not to.

Deformable ConvNets (Dai et al., ICCV 2017, arXiv 1703.06211) introduced the op; TSD (Song et al., CVPR 2020)
pools its classification branch with a per-bin offset and its regression branch with one offset per RoI.

Shape shorthand: B images, C channels, R RoIs, (PH, PW) the output size, (GH, GW) samples per bin.
"""
from typing import Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = ['deform_roi_pool_torch', 'TorchDeformRoIPool']


def _sample_grid(size: int, roi_size: Tensor, grid: Tensor, max_grid: int) -> Tensor:
    """(R, size, max_grid) relative positions ``bin * bin_size + (i + 0.5) * bin_size / grid`` of the samples."""
    bin_size = roi_size / size
    bins = torch.arange(size, device=roi_size.device, dtype=roi_size.dtype)
    steps = torch.arange(max_grid, device=roi_size.device, dtype=roi_size.dtype) + 0.5
    return (bins[None, :, None] * bin_size[:, None, None]
            + steps[None, None, :] * (bin_size / grid.clamp(min=1))[:, None, None])


def deform_roi_pool_torch(input: Tensor, rois: Tensor, offset: Optional[Tensor] = None,
                          output_size: Union[int, Tuple[int, int]] = 7, spatial_scale: float = 1.0,
                          sampling_ratio: int = 0, gamma: float = 0.1) -> Tensor:
    """Deformable RoI pooling, as mmcv's ``deform_roi_pool`` computes it.

    A RoI ``(x1, y1, x2, y2)`` covers ``[x1 * s - 0.5, x2 * s - 0.5]`` on the feature map (``s`` =
    ``spatial_scale``, no rounding, as ``RoIAlign(aligned=True)``). Bin ``(i, j)`` is shifted by
    ``gamma * (roi_w * offset[:, 0, i, j], roi_h * offset[:, 1, i, j])`` and averages ``GH x GW`` bilinear
    samples (``sampling_ratio``, or ``ceil(roi_h / PH)`` x ``ceil(roi_w / PW)`` if it is 0). A sample more
    than one pixel outside the map counts as 0; one less than a pixel outside reads the border.

    Args:
        input (Tensor): (B, C, H, W) feature map.
        rois (Tensor): (R, 5) RoIs ``(batch index, x1, y1, x2, y2)`` in image coordinates.
        offset (Tensor, optional): (R, 2, PH, PW) normalised offsets (x first), or None for none.
        output_size (int | tuple[int, int]): (PH, PW). Defaults to 7.
        spatial_scale (float): feature-map size over image size. Defaults to 1.0.
        sampling_ratio (int): samples per bin side; 0 for adaptive. Defaults to 0.
        gamma (float): the offset scale γ. Defaults to 0.1.

    Returns:
        Tensor: (R, C, PH, PW) pooled features.
    """
    ph, pw = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
    if input.dim() != 4:
        raise ValueError(f'input must have shape (B, C, H, W), got {tuple(input.shape)}')
    if rois.dim() != 2 or rois.size(1) != 5:
        raise ValueError(f'rois must have shape (R, 5), got {tuple(rois.shape)}')
    num_rois = rois.size(0)
    if offset is not None and offset.numel() > 0 and offset.shape != (num_rois, 2, ph, pw):
        raise ValueError(f'offset must have shape (R, 2, PH, PW) = ({num_rois}, 2, {ph}, {pw}), got '
                         f'{tuple(offset.shape)}')
    b, c, h, w = input.shape
    if num_rois == 0:
        return input.new_zeros(0, c, ph, pw)
    rois = rois.to(input.dtype)
    x1 = rois[:, 1] * spatial_scale - 0.5
    y1 = rois[:, 2] * spatial_scale - 0.5
    roi_w = rois[:, 3] * spatial_scale - 0.5 - x1
    roi_h = rois[:, 4] * spatial_scale - 0.5 - y1
    if sampling_ratio > 0:
        grid_h = grid_w = torch.full_like(roi_h, sampling_ratio)
        max_gh = max_gw = sampling_ratio
    else:
        grid_h = torch.ceil(roi_h / ph).clamp(min=0)
        grid_w = torch.ceil(roi_w / pw).clamp(min=0)
        max_gh, max_gw = max(int(grid_h.max()), 1), max(int(grid_w.max()), 1)
    ys = _sample_grid(ph, roi_h, grid_h, max_gh)  # (R, PH, GH)
    xs = _sample_grid(pw, roi_w, grid_w, max_gw)  # (R, PW, GW)
    # absolute sample positions (R, PH, PW, GH, GW)
    start_x = x1[:, None, None].expand(-1, ph, pw)
    start_y = y1[:, None, None].expand(-1, ph, pw)
    if offset is not None and offset.numel() > 0:
        offset = offset.to(input.dtype)
        start_x = start_x + gamma * roi_w[:, None, None] * offset[:, 0]
        start_y = start_y + gamma * roi_h[:, None, None] * offset[:, 1]
    y = start_y[:, :, :, None, None] + ys[:, :, None, :, None]
    x = start_x[:, :, :, None, None] + xs[:, None, :, None, :]
    y, x = torch.broadcast_tensors(y, x)
    valid = ((torch.arange(max_gh, device=input.device)[None, :, None] < grid_h[:, None, None])
             & (torch.arange(max_gw, device=input.device)[None, None, :] < grid_w[:, None, None]))
    keep = (y >= -1) & (y <= h) & (x >= -1) & (x <= w) & valid[:, None, None]
    count = (grid_h * grid_w).clamp(min=1)
    # mmcv's bilinear_interpolate reads the border for samples within a pixel outside the map (clamping them
    # onto it) and 0 further out: clamp, and send the samples that must read 0 (and the unused ones of
    # adaptive grids) far outside, where grid_sample's zero padding gives 0
    far = -4.0
    x = torch.where(keep, x.clamp(0, w - 1), torch.full_like(x, far))
    y = torch.where(keep, y.clamp(0, h - 1), torch.full_like(y, far))
    # align_corners=True: -1 and 1 are the centres of the first and last pixels
    gx = x * (2.0 / (w - 1)) - 1 if w > 1 else torch.where(keep, torch.zeros_like(x), torch.full_like(x, far))
    gy = y * (2.0 / (h - 1)) - 1 if h > 1 else torch.where(keep, torch.zeros_like(y), torch.full_like(y, far))
    samples = ph * pw * max_gh * max_gw
    grid = torch.stack([gx, gy], -1).view(num_rois, samples, 2)
    batch = rois[:, 0].long()
    # one grid_sample per image; the RoIs of mmdet's bbox2roi come grouped by image, in image order
    ordered = bool((batch[1:] >= batch[:-1]).all())
    order = torch.arange(num_rois, device=input.device) if ordered else batch.argsort(stable=True)
    counts = torch.bincount(batch, minlength=b).tolist()
    parts, start = [], 0
    for i, n in enumerate(counts):
        if n == 0:
            continue
        idx = order[start:start + n]
        start += n
        g = grid.index_select(0, idx).view(1, n * samples, 1, 2)
        parts.append(F.grid_sample(input[i:i + 1], g, mode='bilinear', padding_mode='zeros',
                                   align_corners=True).view(c, n, ph * pw, max_gh * max_gw).sum(-1))
    pooled = torch.cat(parts, 1)  # (C, R, PH * PW) in `order`
    if not ordered:
        pooled = pooled.index_select(1, order.argsort())
    return (pooled / count.view(1, num_rois, 1)).view(c, num_rois, ph, pw).permute(1, 0, 2, 3).contiguous()


def _mmcv_deform_roi_pool():
    """mmcv's compiled deform_roi_pool, or None when mmcv has no ops."""
    try:
        from mmcv.ops import deform_roi_pool
    except ImportError:
        return None
    return deform_roi_pool


class TorchDeformRoIPool(nn.Module):
    """Deformable RoI pooling on any device (mmcv's ``DeformRoIPool`` has a CUDA kernel only).

    Its forward takes the arguments of mmcv's ``DeformRoIPool.forward``. ``impl='auto'`` runs mmcv's compiled
    op on CUDA tensors (falling back to PyTorch if mmcv was built without CUDA) and
    :func:`deform_roi_pool_torch` elsewhere; ``'torch'`` always runs the PyTorch version; ``'mmcv'`` always
    mmcv's.

    Args:
        output_size (int | tuple[int, int]): (PH, PW).
        spatial_scale (float): feature-map size over image size. Defaults to 1.0.
        sampling_ratio (int): samples per bin side; 0 for adaptive. Defaults to 0.
        gamma (float): the offset scale γ. Defaults to 0.1.
        impl (str): 'auto', 'torch' or 'mmcv'. Defaults to 'auto'.
    """

    def __init__(self, output_size: Union[int, Tuple[int, int]], spatial_scale: float = 1.0,
                 sampling_ratio: int = 0, gamma: float = 0.1, impl: str = 'auto') -> None:
        super().__init__()
        if impl not in ('auto', 'torch', 'mmcv'):
            raise ValueError(f"impl must be 'auto', 'torch' or 'mmcv', got {impl!r}")
        self.output_size = (output_size, output_size) if isinstance(output_size, int) else tuple(output_size)
        self.spatial_scale = float(spatial_scale)
        self.sampling_ratio = int(sampling_ratio)
        self.gamma = float(gamma)
        self.impl = impl
        self._mmcv_cuda_ok = None  # learnt on the first CUDA call

    def forward(self, input: Tensor, rois: Tensor, offset: Optional[Tensor] = None) -> Tensor:
        """(B, C, H, W), (R, 5), (R, 2, PH, PW) or None -> (R, C, PH, PW)."""
        args = (self.output_size, self.spatial_scale, self.sampling_ratio, self.gamma)
        use_mmcv = self.impl == 'mmcv' or (self.impl == 'auto' and input.is_cuda and self._mmcv_cuda_ok is not False)
        if use_mmcv:
            op = _mmcv_deform_roi_pool()
            if op is None:
                raise ImportError('mmcv.ops.deform_roi_pool is not available (mmcv without compiled ops)')
            try:
                out = op(input, rois, offset, *args)
                self._mmcv_cuda_ok = True
                return out
            except (RuntimeError, NotImplementedError):
                if self.impl == 'mmcv':
                    raise
                self._mmcv_cuda_ok = False
        return deform_roi_pool_torch(input, rois, offset, *args)

    def extra_repr(self) -> str:
        return (f'output_size={self.output_size}, spatial_scale={self.spatial_scale}, '
                f'sampling_ratio={self.sampling_ratio}, gamma={self.gamma}, impl={self.impl!r}')
