"""mmx.cls.small_convnet.SmallConvNet: shapes, freezing, norm_eval, swapping layers, bad input."""
import pytest
import torch
import torch.nn as nn

from mmx.cls.small_convnet import SmallConvNet


@pytest.mark.parametrize('size, out_sizes', [(8, (8, 4, 2)), (32, (32, 16, 8)), (1, (1, 1, 1))])
def test_output_shapes_for_every_stage(size, out_sizes):
    net = SmallConvNet(in_channels=2, widths=(4, 6, 8), out_indices=(0, 1, 2))
    outs = net(torch.rand(3, 2, size, size))
    assert [tuple(o.shape) for o in outs] == [(3, c, s, s) for c, s in zip((4, 6, 8), out_sizes)]


def test_out_indices_negative_and_default():
    net = SmallConvNet(widths=(4, 6, 8), out_indices=(-1, 0))
    assert net.out_indices == (0, 2)
    assert [o.shape[1] for o in net(torch.rand(1, 3, 8, 8))] == [4, 8]
    assert len(SmallConvNet(widths=(4, 6))(torch.rand(1, 3, 8, 8))) == 1


def test_depths_add_blocks():
    net = SmallConvNet(widths=(4, 6), strides=(1, 2), depths=(2, 3))
    assert [len(s) for s in net.stages] == [2, 3]
    assert sum(isinstance(m, nn.Conv2d) for m in net.modules()) == 5


def test_frozen_stages_get_no_gradient_and_stay_in_eval():
    net = SmallConvNet(widths=(4, 6, 8), frozen_stages=2)
    net.train()
    net(torch.rand(2, 3, 8, 8))[0].sum().backward()
    for i, stage in enumerate(net.stages):
        frozen = i < 2
        for p in stage.parameters():
            assert p.requires_grad is not frozen
            assert (p.grad is None) is frozen
        assert all(m.training is not frozen for m in stage.modules())
    before = net.stages[0][0].bn.running_mean.clone()
    net(torch.rand(2, 3, 8, 8) + 5)
    torch.testing.assert_close(net.stages[0][0].bn.running_mean, before)


def test_norm_eval_keeps_running_statistics():
    net = SmallConvNet(widths=(4, 6), strides=(1, 2), depths=(1, 1), norm_eval=True).train()
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert len(bns) == 2 and not any(bn.training for bn in bns)
    assert net.stages[0][0].conv.training
    net(torch.rand(2, 3, 8, 8) + 3)
    torch.testing.assert_close(bns[0].running_mean, torch.zeros(4))
    plain = SmallConvNet(widths=(4, 6), strides=(1, 2), depths=(1, 1)).train()
    plain(torch.rand(2, 3, 8, 8) + 3)
    assert plain.stages[0][0].bn.running_mean.abs().sum() > 0


def test_group_norm_and_no_norm_configs():
    gn = SmallConvNet(widths=(4, 8), strides=(1, 2), depths=(1, 1), norm_cfg=dict(type='GN', num_groups=2))
    assert isinstance(gn.stages[1][0].gn, nn.GroupNorm) and gn.stages[1][0].gn.num_groups == 2
    assert gn.stages[1][0].conv.bias is None
    assert gn(torch.rand(1, 3, 8, 8))[0].shape == (1, 8, 4, 4)
    bare = SmallConvNet(widths=(4, ), strides=(1, ), depths=(1, ), norm_cfg=None, act_cfg=None)
    assert bare.stages[0][0].norm is None and bare.stages[0][0].conv.bias is not None


def test_init_weights_applies_kaiming():
    net = SmallConvNet(widths=(64, ), strides=(1, ), depths=(1, ), kernel_size=3)
    net.init_weights()
    std = net.stages[0][0].conv.weight.std().item()
    assert std == pytest.approx((2 / (64 * 9))**0.5, rel=0.1)  # fan_out, ReLU gain


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(widths=(4, 6), strides=(1, )), ValueError, 'equal length'),
    (dict(out_indices=(3, )), ValueError, 'out_indices'),
    (dict(frozen_stages=4), ValueError, 'frozen_stages'),
    (dict(kernel_size=2), ValueError, 'odd'),
    (dict(norm_cfg=dict(type='NoSuchNorm')), KeyError, 'norm_cfg=.*NoSuchNorm'),
    (dict(conv_cfg=dict(type='NoSuchConv')), KeyError, 'conv_cfg=.*NoSuchConv'),
    (dict(widthz=(4, )), TypeError, 'widthz'),
])
def test_bad_config(kwargs, error, match):
    with pytest.raises(error, match=match):
        SmallConvNet(**kwargs)


@pytest.mark.parametrize('shape', [(1, 1, 8, 8), (3, 8, 8)])
def test_bad_input_shape(shape):
    with pytest.raises(ValueError, match=r'expects \(N, 3, H, W\)'):
        SmallConvNet()(torch.rand(shape))
