"""The temporal interlace op: hand-computed values, a per-frame reference loop (forward and the gradients of
data, offsets and weights), float64 gradcheck, the adjoint of the integer shift, dtypes, bad input."""
import pytest
import torch
from torch.autograd import gradcheck, gradgradcheck

from mmx.action.ops import integer_temporal_shift, naive_temporal_interlace, temporal_interlace

DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])


def random_inputs(n=2, t=5, c=8, trailing=(3,), groups=4, max_offset=3.0, dtype=torch.float64, seed=0,
                  device='cpu'):
    """Random x, offsets in (-max_offset, max_offset) kept 0.05 away from integers (where the op has a kink
    and finite differences are meaningless), and weights in (0, 2)."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, t, c, *trailing, generator=gen, dtype=dtype)
    offset = (torch.rand(n, groups, generator=gen, dtype=dtype) * 2 - 1) * max_offset
    frac = offset - offset.floor()
    offset = offset.floor() + frac.clamp(0.05, 0.95)
    weight = torch.rand(n, t, groups, generator=gen, dtype=dtype) * 2
    return [v.to(device).requires_grad_() for v in (x, offset, weight)]


def test_hand_computed_values():
    x = torch.tensor([1., 2., 3., 4.]).view(1, 4, 1)
    # half a frame later: y[t] = (x[t] + x[t - 1]) / 2, zero before the clip
    assert temporal_interlace(x, torch.tensor([[0.5]])).flatten().tolist() == [0.5, 1.5, 2.5, 3.5]
    # one frame earlier: y[t] = x[t + 1], zero after the clip
    assert temporal_interlace(x, torch.tensor([[-1.0]])).flatten().tolist() == [2., 3., 4., 0.]
    # a quarter frame earlier, weighted: 2 * (0.75 x[t] + 0.25 x[t + 1])
    y = temporal_interlace(x, torch.tensor([[-0.25]]), torch.full((1, 4, 1), 2.0))
    assert y.flatten().tolist() == [2.5, 4.5, 6.5, 6.0]
    # shifted out of the clip entirely
    assert temporal_interlace(x, torch.tensor([[4.0]])).abs().sum() == 0


def test_groups_take_their_own_offsets():
    x = torch.arange(1., 4.).view(1, 3, 1).repeat(1, 1, 4)  # frames 1, 2, 3 in 4 channels
    y = temporal_interlace(x, torch.tensor([[1.0, -1.0]]))  # channels 0-1: +1, channels 2-3: -1
    assert y[0, :, 0].tolist() == [0., 1., 2.]
    assert y[0, :, 1].tolist() == [0., 1., 2.]
    assert y[0, :, 2].tolist() == [2., 3., 0.]


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('n,t,c,trailing,groups,max_offset', [
    (2, 5, 8, (3,), 4, 3.0),        # offsets beyond +-1 frame
    (3, 8, 16, (2, 2), 4, 2.0),     # TIN's setting: 8 frames, (H, W) trailing
    (1, 3, 6, (), 2, 5.0),          # offsets beyond the clip, no trailing dims
    (2, 1, 4, (5,), 1, 1.5),        # a single frame
])
def test_matches_per_frame_reference(device, n, t, c, trailing, groups, max_offset):
    inputs = random_inputs(n, t, c, trailing, groups, max_offset, device=device)
    y = temporal_interlace(*inputs)
    y_ref = naive_temporal_interlace(*inputs)
    assert y.shape == y_ref.shape == inputs[0].shape
    torch.testing.assert_close(y, y_ref, atol=1e-6, rtol=0)
    grad_out = torch.randn_like(y)
    grads = torch.autograd.grad(y, inputs, grad_out)
    grads_ref = torch.autograd.grad(y_ref, inputs, grad_out)
    for name, g, g_ref in zip(('x', 'offset', 'weight'), grads, grads_ref):
        torch.testing.assert_close(g, g_ref, atol=1e-6, rtol=0, msg=lambda m: f'd/d{name}: {m}')


def test_integer_offsets_match_reference():
    """At integer offsets lambda = 0: the forward and the subgradient the floor picks agree with the loop."""
    x, _, weight = random_inputs(2, 6, 8, (2,), 4)
    offset = torch.tensor([[-2., 0., 1., 7.], [3., -6., 2., -1.]], dtype=torch.float64, requires_grad=True)
    y, y_ref = temporal_interlace(x, offset, weight), naive_temporal_interlace(x, offset, weight)
    torch.testing.assert_close(y, y_ref, atol=1e-12, rtol=0)
    grads = torch.autograd.grad(y.sum(), (x, offset, weight))
    grads_ref = torch.autograd.grad(y_ref.sum(), (x, offset, weight))
    for g, g_ref in zip(grads, grads_ref):
        torch.testing.assert_close(g, g_ref, atol=1e-12, rtol=0)


def test_gradcheck_float64_all_inputs():
    inputs = random_inputs(2, 5, 8, (3,), 4)
    assert gradcheck(temporal_interlace, inputs)
    assert gradgradcheck(temporal_interlace, inputs)
    assert gradcheck(lambda x, offset: temporal_interlace(x, offset), inputs[:2])


def test_integer_shift_is_mmcv_forward_and_its_adjoint_is_the_opposite_shift():
    """``out[t + s] = in[t]`` (mmcv's tin_shift forward), and <S_s x, y> = <x, S_{-s} y> for every s."""
    x = torch.randn(2, 6, 3, 4, dtype=torch.float64)
    y = torch.randn(2, 6, 3, 4, dtype=torch.float64)
    shift = torch.tensor([[2, -1, 0], [-7, 5, 1]])
    out = integer_temporal_shift(x, shift)
    torch.testing.assert_close(out[0, 2:, 0], x[0, :4, 0])
    assert out[0, :2, 0].abs().sum() == 0
    torch.testing.assert_close(out[0, :5, 1], x[0, 1:, 1])
    assert out[1, :, 0].abs().sum() == 0  # shifted beyond the clip
    lhs = (integer_temporal_shift(x, shift) * y).sum()
    rhs = (x * integer_temporal_shift(y, -shift)).sum()
    torch.testing.assert_close(lhs, rhs)


class _MirroredShift(torch.autograd.Function):
    """An integer shift whose backward indexes like its forward, ``grad_in[t + s] = grad_out[t]``: what
    mmcv 2.1's ``tin_shift_backward_cuda_kernel`` computes (read in mmcv/ops/csrc/common/cuda/
    tin_shift_cuda_kernel.cuh: its loop body is the forward's, ``now_t = i + t_shift``)."""

    @staticmethod
    def forward(ctx, x, shift):
        ctx.save_for_backward(shift)
        return integer_temporal_shift(x, shift)

    @staticmethod
    def backward(ctx, grad_out):
        (shift,) = ctx.saved_tensors
        return integer_temporal_shift(grad_out, shift), None


def test_gradcheck_detects_a_mirrored_backward():
    """The gradcheck above would fail on mmcv's backward; ours passes the same check."""
    x = torch.randn(1, 5, 2, 3, dtype=torch.float64, requires_grad=True)
    shift = torch.tensor([[1, -2]])
    assert not gradcheck(lambda v: _MirroredShift.apply(v, shift), (x,), raise_exception=False)
    assert gradcheck(lambda v: integer_temporal_shift(v, shift), (x,))


def test_empty_batch_and_no_weight():
    x = torch.zeros(0, 4, 8, 3, requires_grad=True)
    offset = torch.zeros(0, 2, requires_grad=True)
    y = temporal_interlace(x, offset, torch.zeros(0, 4, 2))
    assert y.shape == (0, 4, 8, 3)
    y.sum().backward()
    assert x.grad.shape == x.shape and offset.grad.shape == offset.shape


@pytest.mark.parametrize('dtype', [torch.float32, torch.bfloat16])
def test_low_precision_keeps_dtypes(dtype):
    x, offset, weight = random_inputs(2, 8, 16, (4,), 4, dtype=torch.float32)
    xl = x.detach().to(dtype).requires_grad_()
    y = temporal_interlace(xl, offset, weight)  # offsets and weights stay fp32, as under autocast
    assert y.dtype == dtype
    y_ref = naive_temporal_interlace(xl.detach().float(), offset, weight)
    tol = 1e-6 if dtype == torch.float32 else 5e-2
    torch.testing.assert_close(y.float(), y_ref, atol=tol, rtol=tol)
    y.float().sum().backward()
    assert xl.grad.dtype == dtype and offset.grad.dtype == torch.float32 and weight.grad.dtype == torch.float32


@pytest.mark.parametrize('kwargs,message', [
    (dict(x=torch.zeros(2, 4)), 'x must be'),
    (dict(offset=torch.zeros(3, 4)), 'offset must be'),
    (dict(offset=torch.zeros(2, 3)), 'do not split'),
    (dict(weight=torch.zeros(2, 5, 3)), 'weight must be'),
    (dict(offset=torch.zeros(2, 4, dtype=torch.long)), 'floating-point'),
])
def test_bad_input_is_named(kwargs, message):
    args = dict(x=torch.zeros(2, 5, 8, 3), offset=torch.zeros(2, 4), weight=torch.zeros(2, 5, 4))
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=message):
        temporal_interlace(args['x'], args['offset'], args['weight'])
