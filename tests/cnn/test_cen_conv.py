"""CenConv2d: a Conv2d with per-filter centred weights that initialisers and checkpoints treat as a Conv2d."""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmx.cnn import CenConv2d, centre_weight


def test_output_is_the_conv_with_centred_filters():
    torch.manual_seed(0)
    conv = CenConv2d(4, 6, 3, stride=2, padding=1, dilation=1, groups=2, bias=True)
    x = torch.randn(2, 4, 9, 9)
    w = conv.weight - conv.weight.mean(dim=(1, 2, 3), keepdim=True)  # independent spelling
    torch.testing.assert_close(conv(x), F.conv2d(x, w, conv.bias, 2, 1, 1, 2))
    assert torch.allclose(centre_weight(conv.weight).sum(dim=(1, 2, 3)), torch.zeros(6), atol=1e-6)


def test_padding_mode_is_kept():
    torch.manual_seed(0)
    conv = CenConv2d(2, 3, 3, padding=1, padding_mode='reflect', bias=False)
    x = torch.randn(1, 2, 5, 5)
    expect = F.conv2d(F.pad(x, (1, 1, 1, 1), mode='reflect'), centre_weight(conv.weight))
    torch.testing.assert_close(conv(x), expect)


def test_weight_gradient_is_centred():
    """∂L/∂W = ∂L/∂Ŵ minus its per-filter mean: centring is a projection."""
    torch.manual_seed(0)
    conv = CenConv2d(3, 5, 3, bias=False).double()
    x = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    conv(x).square().sum().backward()
    assert torch.allclose(conv.weight.grad.sum(dim=(1, 2, 3)), torch.zeros(5, dtype=torch.float64), atol=1e-9)
    # equal to autograd through an independent spelling of the centring, and gradcheck of the custom backward
    w = conv.weight.detach().clone().requires_grad_()
    F.conv2d(x, w - w.mean(dim=(1, 2, 3), keepdim=True)).square().sum().backward()
    torch.testing.assert_close(conv.weight.grad, w.grad)
    assert torch.autograd.gradcheck(centre_weight, (torch.randn(4, 2, 3, 3, dtype=torch.float64,
                                                                 requires_grad=True), ))


def test_is_a_conv2d_for_initialisers_and_checkpoints():
    from mmengine.model import initialize

    conv = CenConv2d(8, 16, 3)
    assert isinstance(conv, nn.Conv2d)
    assert set(conv.state_dict()) == set(nn.Conv2d(8, 16, 3).state_dict())
    with torch.no_grad():
        conv.weight.fill_(7.0)
    initialize(conv, dict(type='Kaiming', layer='Conv2d', mode='fan_out', nonlinearity='relu'))
    std = (2 / (16 * 9))**0.5
    assert conv.weight.std().item() == pytest.approx(std, rel=0.1)  # the official CenConv2d escaped this


def test_to_conv2d_is_the_same_function():
    torch.manual_seed(0)
    conv = CenConv2d(4, 4, 3, padding=1, bias=True)
    plain = conv.to_conv2d()
    assert type(plain) is nn.Conv2d
    x = torch.randn(2, 4, 6, 6)
    torch.testing.assert_close(plain(x), conv(x))


def test_mmcv_efficient_conv_bn_eval_stays_exact():
    """mmcv's efficient_conv_bn_eval passes a rescaled weight through _conv_forward: still centred."""
    from mmcv.cnn import ConvModule

    torch.manual_seed(0)
    cfg = dict(conv_cfg=dict(type='CenConv2d'), norm_cfg=dict(type='MABN'))
    plain = ConvModule(3, 8, 3, padding=1, **cfg)
    fast = ConvModule(3, 8, 3, padding=1, efficient_conv_bn_eval=True, **cfg)
    fast.load_state_dict(plain.state_dict())
    batches = [torch.randn(2, 3, 8, 8) for _ in range(3)]
    for module in (plain, fast):
        module.train()
        for x in batches:
            module(x).sum().backward()
        module.eval()
    for (name, a), b in zip(plain.state_dict().items(), fast.state_dict().values()):
        torch.testing.assert_close(a, b, msg=name)
    assert fast.efficient_conv_bn_eval_forward is not None
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(fast(x), plain(x), rtol=1e-5, atol=1e-5)
