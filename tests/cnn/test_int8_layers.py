"""Int8Conv2d / Int8Linear: the three GEMMs on quantised operands, DSGC state, real-INT8 path = simulated."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmx.cnn.int8 import (Int8Conv2d, Int8Linear, dequantize, dsgc_candidate_ratios, dsgc_search, fake_quantize,
                       finalize_refresh, int8_gemm_supported, quantize, scale_from_clip)


def _fq(x):
    return fake_quantize(x, scale_from_clip(x.detach().abs().amax()))


def _q_grad(g, ratio=1.0):
    """What a layer does to an output gradient with nearest rounding and clip = ratio * max|g|."""
    return fake_quantize(g, scale_from_clip(g.abs().amax() * ratio))


@pytest.mark.parametrize('kwargs', [dict(kernel_size=3, padding=1, stride=2, bias=True),
                                    dict(kernel_size=3, padding=1, groups=4, bias=False),
                                    dict(kernel_size=1, bias=False)])
def test_conv_forward_and_backward_are_the_quantised_gemms(kwargs):
    torch.manual_seed(0)
    conv = Int8Conv2d(8, 8, grad_rounding='nearest', dsgc=False, **kwargs)
    x = torch.randn(2, 8, 6, 6, requires_grad=True)
    y = conv(x)
    xq, wq = _fq(x.detach()), _fq(conv.weight.detach())
    ref = F.conv2d(xq, wq, conv.bias, conv.stride, conv.padding, conv.dilation, conv.groups)
    torch.testing.assert_close(y, ref)
    g = torch.randn_like(y)
    y.backward(g)
    # G_X = Q(G_Y) *^T Q(W), G_W = Q(G_Y) *^T Q(X): autograd of the float conv of the quantised operands
    xr, wr = xq.clone().requires_grad_(), wq.clone().requires_grad_()
    F.conv2d(xr, wr, None, conv.stride, conv.padding, conv.dilation, conv.groups).backward(_q_grad(g))
    torch.testing.assert_close(x.grad, xr.grad)
    torch.testing.assert_close(conv.weight.grad, wr.grad)
    if conv.bias is not None:  # the bias gradient is the float one
        torch.testing.assert_close(conv.bias.grad, g.sum((0, 2, 3)))
    # and the quantisation matters: plain float gradients differ
    xf = x.detach().clone().requires_grad_()
    F.conv2d(xf, conv.weight.detach(), None, conv.stride, conv.padding, conv.dilation, conv.groups).backward(g)
    assert not torch.allclose(xf.grad, x.grad, atol=1e-6)


def test_linear_forward_and_backward_any_leading_shape():
    torch.manual_seed(0)
    fc = Int8Linear(6, 5, grad_rounding='nearest', dsgc=False)
    x = torch.randn(3, 4, 6, requires_grad=True)
    y = fc(x)
    assert y.shape == (3, 4, 5)
    xq, wq = _fq(x.detach()), _fq(fc.weight.detach())
    torch.testing.assert_close(y, F.linear(xq, wq, fc.bias))
    g = torch.randn_like(y)
    y.backward(g)
    gq = _q_grad(g)
    torch.testing.assert_close(x.grad, gq @ wq)
    torch.testing.assert_close(fc.weight.grad, gq.reshape(-1, 5).t() @ xq.reshape(-1, 6))
    torch.testing.assert_close(fc.bias.grad, g.sum((0, 1)))


def test_stochastic_gradient_is_unbiased_on_average():
    torch.manual_seed(0)
    fc = Int8Linear(4, 3, bias=False, dsgc=False)
    x = torch.randn(2, 4)
    g = torch.randn(2, 3)
    grads = []
    for _ in range(1000):
        fc.weight.grad = None
        fc(x).backward(g)
        grads.append(fc.weight.grad.clone())
    mean = torch.stack(grads).mean(0)
    expected = g.t() @ _fq(x)  # E[Q_sr(G)] = G
    torch.testing.assert_close(mean, expected, atol=0.03, rtol=0)
    assert torch.stack(grads).std(0).max() > 0  # really stochastic


def test_dsgc_refresh_searches_quantises_and_finalises():
    torch.manual_seed(0)
    conv = Int8Conv2d(4, 4, 3, padding=1, bias=False, num_candidates=16)
    # a wide bulk and an outlier: clipping pays (test_functional.py::test_dsgc_clips_an_outlier)
    x = torch.randn(2, 4, 112, 112)
    g = torch.randn(2, 4, 112, 112)
    g[0, 0, 0, 0] = 100.0
    ratio, _ = dsgc_search(g, dsgc_candidate_ratios(16, 0.01))
    assert float(ratio) < 1
    conv.refresh_pending = True
    conv(x).backward(g)
    assert float(conv.grad_clip_ratio) == 1.0  # written only when the refresh is finalised
    assert finalize_refresh([conv]) is True
    assert conv.refresh_pending is False
    assert float(conv.grad_clip_ratio) == pytest.approx(float(ratio))
    assert float(conv.grad_clip) == pytest.approx(float(ratio) * 100.0, rel=1e-6)
    assert 0 < float(conv.grad_deviation) < 0.5 and int(conv.num_refreshes) == 1
    assert finalize_refresh([conv]) is False  # nothing pending: no-op
    # between refreshes the stored ratio scales the current max
    torch.manual_seed(1)
    conv.weight.grad = None
    xr = x.clone().requires_grad_()
    conv(xr).backward(g)
    torch.manual_seed(1)
    codes = quantize(g, scale_from_clip(g.abs().amax() * ratio), stochastic=True)
    expect = torch.ops.aten.convolution_backward(dequantize(codes, scale_from_clip(g.abs().amax() * ratio)),
                                                 _fq(x), _fq(conv.weight.detach()), None, [1, 1], [1, 1],
                                                 [1, 1], False, [0, 0], 1, [True, False, False])[0]
    torch.testing.assert_close(xr.grad, expect)


def test_shared_layer_averages_its_calls():
    fc = Int8Linear(4, 4, dsgc=False)
    fc.refresh_pending = True
    x = torch.randn(8, 4)
    (fc(x).sum() + fc(2 * x).square().sum()).backward()
    stats = torch.stack(fc._refresh_stats)
    assert stats.shape == (2, 3)
    finalize_refresh([fc])
    torch.testing.assert_close(fc.grad_deviation, stats[:, 1].mean())
    torch.testing.assert_close(fc.grad_clip, stats[:, 2].mean())


def test_state_dict_round_trip_and_float_checkpoints():
    conv = Int8Conv2d(3, 4, 3)
    for name, value in (('grad_clip_ratio', 0.5), ('grad_deviation', 0.02), ('grad_clip', 1.5)):
        getattr(conv, name).fill_(value)
    conv.num_refreshes.fill_(7)
    state = conv.state_dict()
    assert {'grad_clip_ratio', 'grad_clip', 'grad_deviation', 'num_refreshes'} <= set(state)
    other = Int8Conv2d(3, 4, 3)
    other.load_state_dict(state)
    for key, value in state.items():
        assert torch.equal(other.state_dict()[key], value), key
    # a float checkpoint loads strictly: no quantiser state, the initial one is kept
    plain = nn.Conv2d(3, 4, 3)
    fresh = Int8Conv2d(3, 4, 3)
    fresh.load_state_dict(plain.state_dict())
    assert torch.equal(fresh.weight, plain.weight) and float(fresh.grad_clip_ratio) == 1.0
    with pytest.raises(RuntimeError, match='Unexpected key'):
        nn.Conv2d(3, 4, 3).load_state_dict(state)


def test_empty_input_runs_the_float_layer():
    conv = Int8Conv2d(3, 4, 3, padding=1)
    x = torch.zeros(0, 3, 5, 5, requires_grad=True)
    y = conv(x)
    assert y.shape == (0, 4, 5, 5)
    y.sum().backward()
    fc = Int8Linear(3, 2)
    assert fc(torch.zeros(0, 3)).shape == (0, 2)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='grad_rounding'):
        Int8Linear(2, 2, grad_rounding='up')
    with pytest.raises(ValueError, match='backend'):
        Int8Linear(2, 2, backend='fp4')
    with pytest.raises(ValueError, match='padding'):
        Int8Conv2d(2, 2, 3, padding='same')
    with pytest.raises(ValueError, match='padding'):
        Int8Conv2d(2, 2, 3, padding=1, padding_mode='reflect')
    with pytest.raises(ValueError, match='num'):
        Int8Conv2d(2, 2, 3, num_candidates=0)


def test_int8_gemm_limits():
    assert int8_gemm_supported(17, 8, 16)
    assert not int8_gemm_supported(16, 8, 16)  # _int_mm needs more than 16 rows
    assert not int8_gemm_supported(32, 12, 16)
    assert not int8_gemm_supported(32, 8, 20)


@pytest.mark.parametrize('rows', [32, 5])  # 32 rows: torch._int_mm; 5 rows: the fallback for small GEMMs
def test_real_int8_linear_equals_simulated(rows):
    if not hasattr(torch, '_int_mm'):
        pytest.skip('this torch has no torch._int_mm')
    torch.manual_seed(0)
    sim = Int8Linear(64, 24)
    real = Int8Linear(64, 24, backend='int8')
    real.load_state_dict(sim.state_dict())
    x = torch.randn(rows, 64)
    g = torch.randn(rows, 24)
    outs = []
    for layer in (sim, real):
        xr = x.clone().requires_grad_()
        torch.manual_seed(1)  # the same stochastic rounding draws
        y = layer(xr)
        y.backward(g)
        outs.append((y.detach(), xr.grad, layer.weight.grad, layer.bias.grad))
    # exact integer products: equal up to float32 summation order
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_real_int8_pointwise_conv_equals_simulated():
    if not hasattr(torch, '_int_mm'):
        pytest.skip('this torch has no torch._int_mm')
    torch.manual_seed(0)
    # nearest rounding: the GEMM path sees the gradient as (pixels, channels), so the stochastic rounding
    # would draw its random numbers for other elements than the convolution path
    sim = Int8Conv2d(16, 8, 1, bias=False, grad_rounding='nearest')
    real = Int8Conv2d(16, 8, 1, bias=False, grad_rounding='nearest', backend='int8')
    real.load_state_dict(sim.state_dict())
    assert real.is_gemm and not Int8Conv2d(16, 8, 1, stride=2).is_gemm
    x = torch.randn(2, 16, 4, 4)
    g = torch.randn(2, 8, 4, 4)
    outs = []
    for layer in (sim, real):
        xr = x.clone().requires_grad_()
        torch.manual_seed(1)
        y = layer(xr)
        y.backward(g)
        outs.append((y.detach(), xr.grad, layer.weight.grad))
    for a, b in zip(*outs):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_int8_backend_calls_int_mm(monkeypatch):
    if not hasattr(torch, '_int_mm'):
        pytest.skip('this torch has no torch._int_mm')
    calls = []
    original = torch._int_mm

    def spy(a, b):
        calls.append((a.dtype, b.dtype, tuple(a.shape), tuple(b.shape)))
        return original(a, b)

    monkeypatch.setattr(torch, '_int_mm', spy)
    fc = Int8Linear(32, 24, backend='int8')
    fc(torch.randn(40, 32, requires_grad=True)).sum().backward()
    # forward (40x32)(32x24), input gradient (40x24)(24x32), weight gradient (24x40)(40x32)
    assert calls == [(torch.int8, torch.int8, (40, 32), (32, 24)), (torch.int8, torch.int8, (40, 24), (24, 32)),
                     (torch.int8, torch.int8, (24, 40), (40, 32))]
    calls.clear()
    Int8Linear(32, 16, backend='int8')(torch.randn(40, 32, requires_grad=True)).sum().backward()
    assert len(calls) == 2  # the weight gradient's 16 rows are too few for _int_mm: simulated


@pytest.mark.parametrize('backend', ['simulate', 'int8'])
def test_autocast_and_half_inputs_compute_in_float32(backend):
    conv = Int8Conv2d(8, 8, 1, bias=True, backend=backend)
    fc = Int8Linear(8, 8, backend=backend)
    x = torch.randn(2, 8, 5, 5, requires_grad=True)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        y = fc(conv(x).permute(0, 2, 3, 1))
    assert y.dtype == torch.float32
    y.sum().backward()
    assert x.grad.dtype == torch.float32 and conv.weight.grad.dtype == torch.float32
    xb = torch.randn(2, 8, 5, 5, dtype=torch.bfloat16, requires_grad=True)
    conv(xb).sum().backward()
    assert xb.grad.dtype == torch.bfloat16  # autograd returns each input's dtype
