"""MABN against an independent reference of the paper's equations, gradcheck, and the engineering cases."""
import copy
import warnings

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.autograd import gradcheck

from mmx.cnn import MABN, CenConv2d, mabn_normalize, second_moment

EPS = 1e-5


def reference_mabn(xs, grads, gamma, beta, m, warmup, renorm_warmup, r_max, momentum, eps=EPS):
    """The official algorithm (paper §3, megvii-model/MABN), step by step in float64 numpy.

    One call per step; γ and β fixed. Returns, per step, y, ∂L/∂x, ∂L/∂γ, ∂L/∂β and the state after it.
    """
    channels = gamma.shape[0]
    buf_x2, buf_gz, running_var = np.zeros((m, channels)), np.zeros((m, channels)), np.ones(channels)
    out = []
    for t, (x, gy) in enumerate(zip(xs, grads), start=1):
        axes = (0, 2, 3)
        per_channel = (lambda v: v[None, :, None, None])
        xi = (x**2).mean(axes)
        buf_x2[t % m] = xi
        warming = t <= m or t < warmup
        chi2 = xi if warming else buf_x2.mean(0)
        sd = np.sqrt(chi2 + eps)
        z = x / per_channel(sd)
        if t <= max(renorm_warmup, warmup):
            r = np.ones(channels)
        else:
            r = np.clip(sd / np.sqrt(running_var + eps), 1 / r_max, r_max)
        y = per_channel(gamma * r) * z + per_channel(beta)
        running_var = (1 - momentum) * running_var + momentum * chi2
        g = gy * per_channel(gamma * r)
        psi = (g * z).mean(axes)
        buf_gz[t % m] = psi
        big_psi = psi if warming else buf_gz.mean(0)
        gx = (g - z * per_channel(big_psi)) / per_channel(sd)
        out.append(dict(y=y, gx=gx, ggamma=(gy * per_channel(r) * z).sum(axes), gbeta=gy.sum(axes),
                        running_var=running_var.copy(), sma_chi2=buf_x2.copy(), sma_psi=buf_gz.copy(), r=r))
    return out


def test_module_equals_reference_through_warmups_and_clamp():
    rng = np.random.default_rng(0)
    m, warmup, renorm_warmup, r_max, momentum, steps = 3, 5, 7, 1.3, 0.1, 16
    # the input scale swings, so that r leaves [1/r_max, r_max] after the renorm warm-up
    xs = [rng.standard_normal((2, 4, 3, 3)) * (1 + 0.8 * np.sin(t)) + 0.3 for t in range(steps)]
    grads = [rng.standard_normal((2, 4, 3, 3)) for _ in range(steps)]
    gamma, beta = rng.uniform(0.5, 1.5, 4), rng.standard_normal(4)
    ref = reference_mabn(xs, grads, gamma, beta, m, warmup, renorm_warmup, r_max, momentum)
    assert any(np.any((s['r'] == r_max) | (s['r'] == 1 / r_max)) for s in ref), 'the clamp was never hit'

    layer = MABN(4, momentum=momentum, buffer_size=m, warmup_iters=warmup, renorm_warmup_iters=renorm_warmup,
                 r_max=r_max).double()
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))
    for t, (x_np, g_np, expect) in enumerate(zip(xs, grads, ref), start=1):
        x = torch.from_numpy(x_np).requires_grad_()
        layer.weight.grad = layer.bias.grad = None
        y = layer(x)
        y.backward(torch.from_numpy(g_np))
        for name, got in (('y', y), ('gx', x.grad), ('ggamma', layer.weight.grad), ('gbeta', layer.bias.grad),
                          ('running_var', layer.running_var), ('sma_chi2', layer.sma_chi2),
                          ('sma_psi', layer.sma_psi)):
            np.testing.assert_allclose(got.detach().numpy(), expect[name], rtol=1e-10, atol=1e-12,
                                       err_msg=f'{name} at step {t}')
        assert layer.step == t and int(layer.state_dict()['num_batches_tracked']) == t


def test_window_of_one_without_renorm_is_uncentred_batch_norm():
    """m = 1, no warm-ups, r = 1: y = γ·x/sqrt(E[x²] + eps) + β with its exact autograd gradient."""
    layer = MABN(3, buffer_size=1, warmup_iters=0, renorm_warmup_iters=10**9).double()
    torch.manual_seed(0)
    with torch.no_grad():
        layer.weight.uniform_(0.5, 2)
        layer.bias.normal_()
    for _ in range(4):
        x = torch.randn(4, 3, 5, 2, dtype=torch.float64, requires_grad=True)
        x_ref = x.detach().clone().requires_grad_()
        grad = torch.randn_like(x)
        layer(x).backward(grad)
        chi = (x_ref.pow(2).mean((0, 2, 3), keepdim=True) + EPS).sqrt()
        ref = layer.weight.view(1, -1, 1, 1) * x_ref / chi
        (ref + layer.bias.view(1, -1, 1, 1)).backward(grad)
        torch.testing.assert_close(x.grad, x_ref.grad, rtol=1e-10, atol=1e-12)


def _inv_chi(x):
    return (second_moment(x) + EPS).rsqrt()


def test_gradcheck_with_the_batch_statistics():
    """With χ² = ξ_t and Ψ = ψ_t the paper's backward is the exact derivative (r constant, no gradient)."""
    torch.manual_seed(0)
    x = torch.randn(3, 4, 3, 2, dtype=torch.float64, requires_grad=True)
    w = torch.rand(4, dtype=torch.float64).add_(0.5).requires_grad_()
    b = torch.randn(4, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda x, w, b: mabn_normalize(x, w, b, _inv_chi(x)), (x, w, b))
    r = torch.rand(4, dtype=torch.float64) + 0.5
    assert gradcheck(lambda x, w, b: mabn_normalize(x, w, b, _inv_chi(x), r), (x, w, b))


def test_gradcheck_of_the_module_during_warmup():
    """The module itself, in the warm-up (its output depends on the current batch only)."""
    torch.manual_seed(1)
    layer = MABN(2, warmup_iters=10**9, renorm_warmup_iters=10**9).double()
    x = torch.randn(2, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(layer, (x, ))


def test_frozen_statistics_gradients():
    """SMA regime, statistics frozen: γ/β gradients are exact (gradcheck), ∂L/∂x is (g − z·Ψ)/χ."""
    torch.manual_seed(2)
    x = torch.randn(2, 3, 4, 4, dtype=torch.float64)
    inv_chi = torch.rand(3, dtype=torch.float64) + 0.5
    r = torch.rand(3, dtype=torch.float64) + 0.5
    frozen_psi = torch.randn(3, dtype=torch.float64)
    seen = []

    def psi_fn(psi):
        seen.append(psi)
        return frozen_psi

    w = torch.rand(3, dtype=torch.float64).add_(0.5).requires_grad_()
    b = torch.randn(3, dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda w, b: mabn_normalize(x, w, b, inv_chi, r, psi_fn), (w, b))

    xg = x.clone().requires_grad_()
    grad = torch.randn_like(x)
    mabn_normalize(xg, w, b, inv_chi, r, psi_fn).backward(grad)
    view = (lambda v: v.view(1, -1, 1, 1))
    g = grad * view(w.detach() * r)
    z = x * view(inv_chi)
    torch.testing.assert_close(seen[-1], (g * z).mean((0, 2, 3)))
    torch.testing.assert_close(xg.grad, (g - z * view(frozen_psi)) * view(inv_chi))


def test_eval_is_the_folded_affine():
    layer = MABN(4, buffer_size=2, warmup_iters=2, renorm_warmup_iters=3)
    for _ in range(6):
        layer(torch.randn(2, 4, 3, 3) * 3).sum().backward()
    layer.eval()
    x = torch.randn(5, 4, 2, 2)
    expect = layer.weight.view(1, -1, 1, 1) * x / (layer.running_var.view(1, -1, 1, 1) + EPS).sqrt()
    torch.testing.assert_close(layer(x), expect + layer.bias.view(1, -1, 1, 1))
    assert layer.step == 6  # eval changes nothing
    assert torch.equal(layer.running_mean, torch.zeros(4))


def _state(layer):
    return {k: v.clone() for k, v in layer.state_dict().items()}


def test_empty_batch_changes_nothing_and_keeps_the_graph():
    layer = MABN(4, buffer_size=2, warmup_iters=1)
    for _ in range(3):
        layer(torch.randn(2, 4, 3, 3)).sum().backward()
    before = _state(layer)
    x = torch.zeros(0, 4, 7, 7, requires_grad=True)
    y = layer(x)
    assert y.shape == x.shape
    y.sum().backward()
    assert torch.equal(layer.weight.grad, layer.weight.grad.nan_to_num()) and layer.step == 3
    for key, value in layer.state_dict().items():
        assert torch.equal(value, before[key]), key
    y = layer(torch.randn(2, 4, 3, 3))
    y.sum().backward()
    assert torch.isfinite(y).all() and torch.isfinite(layer.running_var).all() and layer.step == 4


def test_non_finite_half_batch_is_not_recorded():
    """AMP: a float16 overflow in one channel leaves that channel's statistics alone."""
    layer = MABN(3, buffer_size=2, warmup_iters=1)
    for _ in range(3):
        layer(torch.randn(2, 3, 4).half().requires_grad_()).float().square().sum().backward()
    before = _state(layer)
    x = torch.randn(2, 3, 4).half()
    x[0, 1, 2] = float('inf')  # channel 1 only
    layer(x.requires_grad_()).float().square().sum().backward()
    for key in ('running_var', 'sma_chi2', 'sma_psi'):
        now = layer.state_dict()[key]
        assert torch.equal(now[..., 1], before[key][..., 1]), key
        assert not torch.equal(now[..., 0], before[key][..., 0]), key
    layer(torch.randn(2, 3, 4).half().requires_grad_()).float().square().sum().backward()
    assert all(torch.isfinite(layer.state_dict()[k]).all() for k in ('running_var', 'sma_chi2', 'sma_psi'))


def test_half_precision_statistics_do_not_overflow():
    """x² of float16 values above 256 overflows float16; the statistics run in float32."""
    layer = MABN(2, buffer_size=2, warmup_iters=1)
    x = (torch.randn(2, 2, 4, 4) * 600).half().requires_grad_()
    y = layer(x)
    y.float().sum().backward()
    assert y.dtype == torch.float16 and x.grad.dtype == torch.float16
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()
    assert layer.running_var.dtype == torch.float32 and torch.isfinite(layer.running_var).all()
    torch.testing.assert_close(layer.sma_chi2[1], second_moment(x.float()))


def test_autocast_bfloat16_matches_float32():
    torch.manual_seed(0)
    model = nn.Sequential(CenConv2d(3, 8, 3, padding=1, bias=False), MABN(8, buffer_size=2, warmup_iters=1))
    twin = copy.deepcopy(model)
    x = torch.randn(2, 3, 8, 8)
    for _ in range(3):
        with torch.autocast('cpu', dtype=torch.bfloat16):
            y = model(x)
        y.float().square().mean().backward()
        twin(x).square().mean().backward()
    assert y.dtype == torch.bfloat16
    torch.testing.assert_close(model[1].running_var, twin[1].running_var, rtol=0.05, atol=1e-3)
    torch.testing.assert_close(model[0].weight.grad, twin[0].weight.grad, rtol=0.1, atol=0.05)


def test_no_host_synchronisation(monkeypatch):
    """A training step never reads a tensor value on the host (no .item(), bool(), int(), ...)."""
    layer = MABN(4, buffer_size=2, warmup_iters=2, renorm_warmup_iters=3)
    xs = [torch.randn(2, 4, 3, 3, requires_grad=True) for _ in range(6)]

    def refuse(*args, **kwargs):
        raise AssertionError('host synchronisation')

    for name in ('item', 'tolist', '__bool__', '__int__', '__float__', '__index__'):
        monkeypatch.setattr(torch.Tensor, name, refuse)
    for x in xs:
        layer(x).sum().backward()
    monkeypatch.undo()
    assert layer.step == 6


def test_calls_before_the_backward_are_one_step():
    """A layer shared by two inputs (FPN levels): one step, the statistics pooled by element count."""
    m = 2
    layer = MABN(3, buffer_size=m, warmup_iters=0, renorm_warmup_iters=10**9, momentum=0.1).double()
    for _ in range(4):
        layer(torch.randn(2, 3, 4, 4, dtype=torch.float64)).sum().backward()
    assert layer.step == 4
    rv0, sma0 = layer.running_var.clone(), layer.sma_chi2.clone()
    x1 = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)  # 32 values a channel
    x2 = 2 * torch.randn(2, 3, 2, 2, dtype=torch.float64, requires_grad=True)  # 8 values a channel
    y1, y2 = layer(x1), layer(x2)
    g1, g2 = torch.randn_like(y1), torch.randn_like(y2)
    torch.autograd.backward([y1, y2], [g1, g2])
    assert layer.step == 5
    xi1, xi2 = second_moment(x1), second_moment(x2)
    pooled = (32 * xi1 + 8 * xi2) / 40
    torch.testing.assert_close(layer.sma_chi2[5 % m], pooled)
    torch.testing.assert_close(layer.sma_chi2[4 % m], sma0[4 % m])
    # the second call saw the SMA that includes the pooled slot; the EMA moved once, to it
    sma = layer.sma_chi2.mean(0)
    torch.testing.assert_close(layer.running_var, 0.9 * rv0 + 0.1 * sma)
    # first call: the SMA with only its own statistic in the current slot
    sma_first = torch.stack([sma0[4 % m], xi1]).mean(0)
    expect_y1 = layer.weight.view(1, -1, 1, 1) * x1 / (sma_first + EPS).sqrt().view(1, -1, 1, 1)
    torch.testing.assert_close(y1, expect_y1 + layer.bias.view(1, -1, 1, 1))
    layer(torch.randn(2, 3, 4, 4, dtype=torch.float64)).sum().backward()
    assert layer.step == 6


def test_forwards_without_gradient_are_steps_of_their_own():
    layer = MABN(3)
    with torch.no_grad():
        for _ in range(3):
            layer(torch.randn(2, 3, 4))
    assert layer.step == 3


def _block(seed):
    torch.manual_seed(seed)
    norm = dict(buffer_size=2, warmup_iters=3, renorm_warmup_iters=4, r_max=1.5)
    return nn.Sequential(CenConv2d(3, 6, 3, padding=1, bias=False), MABN(6, **norm), nn.ReLU(),
                         CenConv2d(6, 6, 3, padding=1, bias=False), MABN(6, **norm)).double()


class _Checkpointed(nn.Module):
    """Runs a shared block on two inputs, each call in its own checkpointed segment."""

    def __init__(self, block, use_reentrant):
        super().__init__()
        self.block = block
        self.use_reentrant = use_reentrant

    def forward(self, xs):
        if self.use_reentrant is None:
            return [self.block(x) for x in xs]
        return [cp.checkpoint(self.block, x, use_reentrant=self.use_reentrant) for x in xs]


# Reentrant checkpointing runs the first forward under no_grad, which ends a step (see MABN's docstring),
# so a shared layer is tested with the non-reentrant variant only.
@pytest.mark.parametrize('use_reentrant, num_calls', [(True, 1), (False, 1), (False, 2)])
def test_activation_checkpointing_recomputes_without_side_effects(use_reentrant, num_calls):
    plain, ckpt = _Checkpointed(_block(0), None), _Checkpointed(_block(0), use_reentrant)
    opts = [torch.optim.SGD(m.parameters(), lr=0.1) for m in (plain, ckpt)]
    torch.manual_seed(1)
    for step in range(8):
        # with two calls of different sizes: a shared head, each call checkpointed
        xs = [torch.randn(2, 3, 6, 6, dtype=torch.float64).mul_(1 + step % 3),
              torch.randn(1, 3, 3, 3, dtype=torch.float64)][:num_calls]
        losses = []
        for model, opt in zip((plain, ckpt), opts):
            opt.zero_grad()
            loss = sum(y.square().mean() for y in model([x.detach().requires_grad_() for x in xs]))
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        torch.testing.assert_close(losses[0], losses[1], rtol=1e-12, atol=0)
        for (name, a), b in zip(plain.state_dict().items(), ckpt.state_dict().values()):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12, msg=f'{name} at step {step}')
    assert ckpt.block[1].step == 8


def test_mmdet_resnet_with_cp_equals_without():
    from mmdet.models.backbones import ResNet
    cfg = dict(depth=18, norm_cfg=dict(type='MABN', buffer_size=2, warmup_iters=2, renorm_warmup_iters=3),
               conv_cfg=dict(type='CenConv2d'), norm_eval=False, frozen_stages=-1, init_cfg=None)
    torch.manual_seed(0)
    plain = ResNet(**cfg)
    ckpt = ResNet(with_cp=True, **cfg)
    ckpt.load_state_dict(plain.state_dict())
    plain.train(), ckpt.train()
    for _ in range(5):
        x = torch.randn(2, 3, 32, 32)
        grads = []
        for model in (plain, ckpt):
            model.zero_grad()
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')  # torch's use_reentrant notice inside mmdet
                sum(o.square().mean() for o in model(x.clone().requires_grad_())).backward()
            grads.append(model.layer1[0].conv1.weight.grad.clone())
        torch.testing.assert_close(grads[0], grads[1], rtol=1e-4, atol=1e-6)
    for (name, a), b in zip(plain.state_dict().items(), ckpt.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6, msg=name)
    assert ckpt.layer4[1].bn2.step == 5


def test_state_dict_round_trip_resumes_exactly(tmp_path):
    a = _block(0)
    opt_a = torch.optim.SGD(a.parameters(), lr=0.05)
    torch.manual_seed(3)
    data = [torch.randn(2, 3, 5, 5, dtype=torch.float64) for _ in range(10)]

    def train(model, opt, batches):
        for x in batches:
            opt.zero_grad()
            model(x).square().mean().backward()
            opt.step()

    train(a, opt_a, data[:5])
    torch.save(dict(model=a.state_dict(), opt=opt_a.state_dict()), tmp_path / 'ckpt.pth')
    keys = set(a[1].state_dict())
    assert keys == {'weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked', 'sma_chi2',
                    'sma_psi'}
    b = _block(7)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.05)
    saved = torch.load(tmp_path / 'ckpt.pth', weights_only=True)
    b.load_state_dict(saved['model'])
    opt_b.load_state_dict(saved['opt'])
    assert b[1].step == 5
    train(a, opt_a, data[5:])
    train(b, opt_b, data[5:])
    for (name, va), vb in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(va, vb), name


def test_loads_a_batchnorm_checkpoint():
    bn = nn.BatchNorm2d(4)
    bn.train()
    for _ in range(3):
        bn(torch.randn(8, 4, 3, 3) + 1)
    bn.eval()
    layer = MABN(4)
    with pytest.warns(UserWarning, match='BatchNorm checkpoint'):
        result = layer.load_state_dict(bn.state_dict())  # strict
    assert not result.missing_keys and not result.unexpected_keys
    assert layer.step == 0
    layer.eval()
    x = torch.randn(2, 4, 3, 3)
    torch.testing.assert_close(layer(x), bn(x))  # BN's inference until MABN trains
    layer.train()
    layer(x).sum().backward()
    assert layer.step == 1 and torch.equal(layer.running_mean, torch.zeros(4))


def test_reset_running_stats_restarts_the_warmups():
    layer = MABN(2, buffer_size=2)
    for _ in range(3):
        layer(torch.randn(2, 2, 3)).sum().backward()
    layer.reset_running_stats()
    assert layer.step == 0 and not layer.sma_chi2.any() and torch.equal(layer.running_var, torch.ones(2))


@pytest.mark.parametrize('kwargs, match', [
    (dict(momentum=0.98), 'momentum=0.02'),
    (dict(momentum=None), 'momentum'),
    (dict(buffer_size=0), 'buffer_size'),
    (dict(warmup_iters=-1), 'warmup_iters'),
    (dict(r_max=0.5), 'r_max'),
])
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MABN(4, **kwargs)


def test_wrong_input_shape_is_named():
    layer = MABN(4)
    with pytest.raises(ValueError, match=r'MABN\(4\) expects \(N, 4, \*\)'):
        layer(torch.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match='expects'):
        layer(torch.randn(4))


def test_works_on_1d_and_3d_inputs():
    for shape in ((6, 3), (2, 3, 5), (2, 3, 2, 3, 4)):
        layer = MABN(3)
        x = torch.randn(*shape, requires_grad=True)
        layer(x).sum().backward()
        layer.eval()
        assert layer(x).shape == x.shape and x.grad.shape == x.shape


def test_sync_bn_conversion_skips_mabn():
    from mmengine.model import convert_sync_batchnorm as mmengine_model_convert
    from mmengine.runner import runner as runner_module

    model = nn.Sequential(nn.Conv2d(3, 4, 1), MABN(4), nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4))
    mabn = model[1]
    for convert in (nn.SyncBatchNorm.convert_sync_batchnorm, mmengine_model_convert,
                    runner_module.convert_sync_batchnorm):
        converted = convert(copy.deepcopy(model)) if convert is not runner_module.convert_sync_batchnorm \
            else convert(copy.deepcopy(model), 'torch')
        assert isinstance(converted[1], MABN) and isinstance(converted[3], nn.SyncBatchNorm)
    assert nn.SyncBatchNorm.convert_sync_batchnorm(mabn) is mabn


def _resnet(**kwargs):
    from mmdet.models.backbones import ResNet
    torch.manual_seed(0)
    model = ResNet(depth=18, base_channels=8, norm_cfg=dict(type='MABN', buffer_size=2),
                   conv_cfg=dict(type='CenConv2d'), init_cfg=None, **kwargs)
    model.init_weights()
    return model


def _mabn_layers(module):
    return [m for m in module.modules() if isinstance(m, MABN)]


def test_norm_eval_and_frozen_stages_behave_as_with_bn():
    # norm_eval=True (mmdet's default): every MABN stays in eval mode and keeps its statistics
    model = _resnet(norm_eval=True, frozen_stages=-1)
    model.train()
    before = copy.deepcopy(model.state_dict())
    sum(o.sum() for o in model(torch.randn(2, 3, 32, 32))).backward()
    assert all(not m.training and m.step == 0 for m in _mabn_layers(model))
    for key, value in model.state_dict().items():
        if 'bn' in key or 'downsample.1' in key:
            assert torch.equal(value, before[key]), key
    # frozen_stages=1: the stem and layer1 are frozen (eval, no gradient), the rest trains
    model = _resnet(norm_eval=False, frozen_stages=1)
    model.train()
    sum(o.sum() for o in model(torch.randn(2, 3, 32, 32))).backward()
    frozen = _mabn_layers(model.layer1) + [model.norm1]
    assert all(not m.training and m.step == 0 and not m.weight.requires_grad for m in frozen)
    assert all(m.training and m.step == 1 for m in _mabn_layers(model.layer2))


def test_mmdet_resnet_initialises_the_layers():
    """ResNet's default init (Kaiming for Conv2d, 1 for _BatchNorm) reaches CenConv2d and MABN."""
    model = _resnet(norm_eval=False, zero_init_residual=False)
    assert all(torch.equal(m.weight, torch.ones_like(m.weight)) for m in _mabn_layers(model))
    assert not _resnet(norm_eval=False).layer1[0].bn2.weight.any()  # zero_init_residual reaches MABN too
    fan_out = model.conv1.weight[0].numel() // 3 * model.conv1.out_channels
    assert model.conv1.weight.std().item() == pytest.approx((2 / fan_out)**0.5, rel=0.3)


def test_norm_decay_mult_reaches_mabn():
    from mmengine.optim import build_optim_wrapper
    model = nn.Sequential(CenConv2d(3, 4, 3), MABN(4))
    wrapper = build_optim_wrapper(model, dict(optimizer=dict(type='SGD', lr=0.1, weight_decay=1e-4),
                                              paramwise_cfg=dict(norm_decay_mult=0.)))
    decay = {id(p): g['weight_decay'] for g in wrapper.optimizer.param_groups for p in g['params']}
    assert decay[id(model[1].weight)] == decay[id(model[1].bias)] == 0
    assert decay[id(model[0].weight)] == 1e-4


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_amp_with_grad_scaler_matches_cpu_and_survives_overflow():
    """On a GPU: float16 autocast with a loss scaler, an overflowing step skipped without touching the
    statistics, and float32 results equal to the CPU's."""
    torch.manual_seed(0)
    cpu = nn.Sequential(CenConv2d(3, 8, 3, padding=1, bias=False), MABN(8, buffer_size=2, warmup_iters=2,
                                                                          renorm_warmup_iters=3))
    gpu = copy.deepcopy(cpu).cuda()
    xs = [torch.randn(2, 3, 8, 8) for _ in range(6)]
    for x in xs:
        cpu(x).square().mean().backward()
        gpu(x.cuda()).square().mean().backward()
    for (name, a), b in zip(cpu.state_dict().items(), gpu.state_dict().values()):
        torch.testing.assert_close(a, b.cpu(), rtol=1e-4, atol=1e-5, msg=name)
    scaler = torch.amp.GradScaler('cuda', init_scale=2.0**60)  # the first step overflows
    opt = torch.optim.SGD(gpu.parameters(), lr=0.01)
    for x in xs:
        opt.zero_grad()
        with torch.autocast('cuda', dtype=torch.float16):
            loss = gpu(x.cuda() * 100).float().square().mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
    assert scaler.get_scale() < 2.0**60
    assert all(torch.isfinite(v).all() for v in gpu.state_dict().values())
