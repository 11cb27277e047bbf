"""deform_roi_pool_torch / TorchDeformRoIPool: mmcv's DeformRoIPool computation in PyTorch. Checked against a
loop transcribed from mmcv's CUDA kernel, against mmcv's RoIAlign(aligned=True) for zero offsets, by
gradcheck, and against mmcv's op on CUDA when there is one."""
import math

import pytest
import torch
from mmcv.ops import RoIAlign

from mmx.det.roi_heads import TorchDeformRoIPool, deform_roi_pool_torch


def bilinear(feat, y, x):
    h, w = feat.shape[-2:]
    if y < -1.0 or y > h or x < -1.0 or x > w:
        return feat.new_zeros(feat.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y0, x0 = int(y), int(x)
    if y0 >= h - 1:
        y0 = y1 = h - 1
        y = float(y0)
    else:
        y1 = y0 + 1
    if x0 >= w - 1:
        x0 = x1 = w - 1
        x = float(x0)
    else:
        x1 = x0 + 1
    ly, lx = y - y0, x - x0
    return ((1 - ly) * (1 - lx) * feat[:, y0, x0] + (1 - ly) * lx * feat[:, y0, x1]
            + ly * (1 - lx) * feat[:, y1, x0] + ly * lx * feat[:, y1, x1])


def naive_deform_roi_pool(feat, rois, offset, out, scale, ratio, gamma):
    """mmcv's deform_roi_pool_forward_cuda_kernel as loops, one output bin at a time."""
    result = feat.new_zeros(len(rois), feat.shape[1], out, out)
    for n, roi in enumerate(rois.tolist()):
        b = int(roi[0])
        sw, sh = roi[1] * scale - 0.5, roi[2] * scale - 0.5
        rw, rh = roi[3] * scale - 0.5 - sw, roi[4] * scale - 0.5 - sh
        bw, bh = rw / out, rh / out
        gh = ratio if ratio > 0 else math.ceil(rh / out)
        gw = ratio if ratio > 0 else math.ceil(rw / out)
        for ph in range(out):
            for pw in range(out):
                x0, y0 = sw, sh
                if offset is not None:
                    x0 += gamma * rw * float(offset[n, 0, ph, pw])
                    y0 += gamma * rh * float(offset[n, 1, ph, pw])
                acc = feat.new_zeros(feat.shape[1])
                for iy in range(gh):
                    y = y0 + ph * bh + (iy + 0.5) * bh / gh
                    for ix in range(gw):
                        x = x0 + pw * bw + (ix + 0.5) * bw / gw
                        acc = acc + bilinear(feat[b], y, x)
                result[n, :, ph, pw] = acc / max(gh * gw, 1)
    return result


def sample(seed=0, dtype=torch.float32):
    g = torch.Generator().manual_seed(seed)
    feat = torch.randn(2, 3, 9, 11, generator=g, dtype=dtype)
    # inside, partly outside, tiny and large RoIs, image coordinates at stride 4
    rois = torch.tensor([[0, 2., 3, 30, 25], [1, -6, -4, 20, 12], [0, 30, 20, 33, 22], [1, 0, 0, 60, 50],
                         [0, 38, 28, 47, 40]], dtype=dtype)
    offset = torch.randn(len(rois), 2, 3, 3, generator=g, dtype=dtype) * 2
    return feat, rois, offset


@pytest.mark.parametrize('ratio', [0, 2])
@pytest.mark.parametrize('with_offset', [False, True])
def test_equals_kernel_loop(ratio, with_offset):
    feat, rois, offset = sample()
    offset = offset if with_offset else None
    out = deform_roi_pool_torch(feat, rois, offset, 3, 0.25, ratio, 0.1)
    expected = naive_deform_roi_pool(feat, rois, offset, 3, 0.25, ratio, 0.1)
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize('ratio', [0, 2])
def test_zero_offsets_are_roi_align(ratio):
    """Zero offsets (TSD's decoupled branches before they learn) are RoIAlign(aligned=True)."""
    feat, rois, offset = sample(1)
    roi_align = RoIAlign(3, 0.25, ratio, 'avg', aligned=True)
    expected = roi_align(feat, rois)
    torch.testing.assert_close(deform_roi_pool_torch(feat, rois, None, 3, 0.25, ratio), expected, atol=1e-5,
                               rtol=1e-5)
    torch.testing.assert_close(deform_roi_pool_torch(feat, rois, torch.zeros_like(offset), 3, 0.25, ratio),
                               expected, atol=1e-5, rtol=1e-5)


def test_gradcheck():
    feat, rois, offset = sample(2, torch.float64)
    feat.requires_grad_(True)
    # offsets small enough that no sample crosses a pixel boundary within gradcheck's step
    offset = (offset * 0.1).requires_grad_(True)
    feat = feat[:1, :1].detach().requires_grad_(True)
    offset = offset[:2].detach().requires_grad_(True)
    assert torch.autograd.gradcheck(lambda f, o: deform_roi_pool_torch(f, rois[[0, 2]], o, 3, 0.25, 2, 0.1),
                                    (feat, offset), eps=1e-6, atol=1e-4)


def test_module_and_bad_input():
    feat, rois, offset = sample()
    pool = TorchDeformRoIPool(3, spatial_scale=0.25, sampling_ratio=2, gamma=0.1, impl='torch')
    assert pool(feat, rois, offset).shape == (5, 3, 3, 3)
    assert pool(feat, rois[:0], offset[:0]).shape == (0, 3, 3, 3)
    assert 'gamma=0.1' in repr(pool)
    with pytest.raises(ValueError, match='offset must have shape'):
        pool(feat, rois, offset[:, :, :2])
    with pytest.raises(ValueError, match='rois must have shape'):
        pool(feat, rois[:, 1:])
    with pytest.raises(ValueError, match='input must have shape'):
        pool(feat[0], rois)
    with pytest.raises(ValueError, match='impl must be'):
        TorchDeformRoIPool(3, impl='cuda')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_equals_mmcv_on_cuda():
    from mmcv.ops import deform_roi_pool
    feat, rois, offset = (t.cuda() for t in sample(3))
    feat.requires_grad_(True)
    offset.requires_grad_(True)
    ours = deform_roi_pool_torch(feat, rois, offset, 3, 0.25, 2, 0.1)
    theirs = deform_roi_pool(feat, rois, offset, 3, 0.25, 2, 0.1)
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)
    g = torch.randn_like(ours)
    grads = torch.autograd.grad(ours, (feat, offset), g)
    ref_grads = torch.autograd.grad(theirs, (feat, offset), g)
    torch.testing.assert_close(grads[0], ref_grads[0], atol=1e-4, rtol=1e-4)
