"""fuse_mabn: a trained MABN + CenConv2d model folds into plain convolutions with the same outputs."""
import torch
import torch.nn as nn

from mmx.cnn import MABN, CenConv2d, fuse_mabn

NORM = dict(type='MABN', buffer_size=2, warmup_iters=2, renorm_warmup_iters=3)


def _train(model, inputs_fn, steps=6):
    """A few SGD steps, so that γ, β and the statistics are far from their initial values."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    model.train()
    for _ in range(steps):
        opt.zero_grad()
        out = model(inputs_fn())
        out = out if isinstance(out, torch.Tensor) else sum(o.mean() for o in out)
        (out.mean() + out.square().mean()).backward()
        opt.step()
    return model.eval()


def _max_abs_diff(a, b):
    if isinstance(a, torch.Tensor):
        return (a - b).abs().max().item()
    return max(_max_abs_diff(x, y) for x, y in zip(a, b))


def test_small_convnet_fuses_exactly():
    from mmx.cls import SmallConvNet

    torch.manual_seed(0)
    model = SmallConvNet(in_channels=1, widths=(8, 16, 16), norm_cfg=NORM, conv_cfg=dict(type='CenConv2d'))
    model.init_weights()
    _train(model, lambda: torch.randn(2, 1, 8, 8) * 3 + 1)
    x = torch.randn(5, 1, 8, 8)
    with torch.no_grad():
        before = model(x)
        fused, folded, left = fuse_mabn(model)
        after = fused(x)
    assert (folded, left) == (3, 0)
    assert not any(isinstance(m, (MABN, CenConv2d)) for m in fused.modules())
    assert _max_abs_diff(before, after) <= 1e-5


def test_mmdet_resnet_fuses_exactly():
    from mmdet.models.backbones import ResNet

    torch.manual_seed(0)
    model = ResNet(depth=18, base_channels=16, norm_cfg=NORM, conv_cfg=dict(type='CenConv2d'),
                   norm_eval=False, frozen_stages=-1, init_cfg=None)
    model.init_weights()
    _train(model, lambda: torch.randn(2, 3, 32, 32), steps=5)
    x = torch.randn(2, 3, 32, 32)
    with torch.no_grad():
        before = model(x)
        fused, folded, left = fuse_mabn(model)
        after = fused(x)
    assert (folded, left) == (20, 0)  # stem, 2 per block x 8 blocks, 3 downsamples
    assert _max_abs_diff(before, after) <= 1e-5


def test_a_mabn_without_a_conv_before_it_stays():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), MABN(6, **{k: v for k, v in NORM.items() if k != 'type'}))
    _train(model, lambda: torch.randn(3, 4))
    x = torch.randn(5, 4)
    with torch.no_grad():
        before = model(x)
        fused, folded, left = fuse_mabn(model)
        assert (folded, left) == (0, 1)
        torch.testing.assert_close(fused(x), before)


def test_a_lone_cen_conv_becomes_a_conv():
    conv = CenConv2d(2, 3, 3)
    x = torch.randn(1, 2, 5, 5)
    fused, folded, left = fuse_mabn(conv)
    assert type(fused) is nn.Conv2d and (folded, left) == (0, 0)
    torch.testing.assert_close(fused(x), conv(x))
