"""CR-NAS ResNet space: allocations, FLOPs parity, dilation, the fixed CRResNet and its registration."""
import random

import pytest
import torch
from mmdet.models.backbones import ResNet
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.nas import (CR_RESNET_STAGE_OPTIONS, CRResNet, CRResNetSupernet, conv_macs, dump_arch,
                     load_arch, stage_allocations, useful_stage_options)
from mmx.registry import MODELS as MMX_MODELS


def test_stage_allocations_match_a_naive_enumeration():
    opts = [[1, 2, 3], [1, 2], [2, 5]]
    naive = sorted((a, b, c) for a in opts[0] for b in opts[1] for c in opts[2] if a + b + c == 7)
    assert stage_allocations(7, opts) == naive
    assert all(sum(t) == 16 for t in stage_allocations(16))
    assert (3, 4, 6, 3) in stage_allocations(16)  # ResNet-50's own allocation is in the space
    assert useful_stage_options(7, opts) == [[1, 3], [1, 2], [2, 5]]  # no allocation has tau_1 = 2
    with pytest.raises(ValueError, match='sums to'):
        useful_stage_options(2, opts)
    with pytest.raises(ValueError, match='positive'):
        stage_allocations(0)


@pytest.mark.parametrize('block,budget,baseline', [('basic', 8, (2, 2, 2, 2)),
                                                   ('bottleneck', 16, (3, 4, 6, 3))])
def test_every_allocation_costs_the_baseline_flops(block, budget, baseline):
    """Target: every allocation of the space is within 2% of the baseline ResNet's FLOPs."""
    kw = dict(block=block, base_channels=4, init_cfg=None)
    base = conv_macs(CRResNet(stage_blocks=baseline, **kw), (3, 32, 32))
    # and CRResNet with the baseline allocation is mmdet's ResNet
    depth = 18 if block == 'basic' else 50
    assert base == conv_macs(ResNet(depth=depth, base_channels=4), (3, 32, 32))
    allocs = stage_allocations(budget)
    assert len(allocs) > 5
    # Every allocation through one prefix-shared supernet (a path computes what the CRResNet of that
    # allocation computes: test_supernet_path_equals_the_fixed_net), the extremes as CRResNets too.
    sup = CRResNetSupernet(stage_options=CR_RESNET_STAGE_OPTIONS, budget=budget, dilation_choices=(1, ),
                           branch_sharing='prefix', **kw)
    for tau in allocs:
        sup.set_arch(dict(stage_blocks=tau))
        macs = conv_macs(sup, (3, 32, 32))
        assert abs(macs - base) <= 0.02 * base, (tau, macs, base)
    for tau in (allocs[0], allocs[-1]):
        macs = conv_macs(CRResNet(stage_blocks=tau, **kw), (3, 32, 32))
        assert abs(macs - base) <= 0.02 * base, (tau, macs, base)


def test_dilation_keeps_parameters_and_shapes():
    torch.manual_seed(0)
    plain = CRResNet(stage_blocks=(2, 3, 7, 4), base_channels=4)
    dils = [[1, 2], [3, 1, 2], [1, 2, 3, 1, 2, 3, 1], [3, 3, 2, 1]]
    dilated = CRResNet(stage_blocks=(2, 3, 7, 4), block_dilations=dils, base_channels=4)
    assert ({k: v.shape for k, v in plain.state_dict().items()}
            == {k: v.shape for k, v in dilated.state_dict().items()})
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in dilated.parameters())
    dilated.load_state_dict(plain.state_dict())
    plain.eval()
    dilated.eval()
    x = torch.rand(1, 3, 64, 64)
    a, b = plain(x), dilated(x)
    assert [t.shape for t in a] == [t.shape for t in b]
    assert not torch.allclose(a[-1], b[-1])  # dilation changed the computation
    assert dilated.layer3[2].conv2.dilation == (3, 3) and dilated.layer3[2].conv2.padding == (3, 3)
    assert conv_macs(plain, (3, 64, 64)) == conv_macs(dilated, (3, 64, 64))


def test_cr_resnet_api_and_arch_file(tmp_path):
    path = str(tmp_path / 'arch.yaml')
    dump_arch(dict(family='cr_resnet', block='basic', stage_blocks=[1, 2, 2, 3],
                   dilations=[[1], [1, 2], [1, 3], [2, 2, 1]]), path)
    cfg = dict(arch=path, base_channels=4, out_indices=(1, 3), frozen_stages=1,
               norm_cfg=dict(type='BN', requires_grad=True))
    for registry in (MMDET_MODELS, MMX_MODELS):
        model = registry.build(dict(type='CRResNet', **cfg))
        assert model.stage_blocks == (1, 2, 2, 3) and model.block_type == 'basic'
    model.train()
    outs = model(torch.rand(2, 3, 64, 64))
    assert [o.shape[1:] for o in outs] == [(8, 8, 8), (32, 2, 2)]
    assert not any(p.requires_grad for p in model.layer1.parameters())
    assert all(p.requires_grad for p in model.layer2.parameters())
    assert model.layer4[0].conv2.dilation == (2, 2)


def test_cr_resnet_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match='one dilation per block'):
        CRResNet(stage_blocks=(1, 2), block_dilations=[[1], [1]])
    with pytest.raises(ValueError, match='stage_blocks'):
        CRResNet(stage_blocks=(1, 0, 2))
    with pytest.raises(TypeError, match='depth'):
        CRResNet(stage_blocks=(1, 1), depth=50)
    with pytest.raises(ValueError, match='block must be'):
        CRResNet(stage_blocks=(1, 1), block='dense')
    with pytest.raises(ValueError, match='positive integer'):
        CRResNet(stage_blocks=(1, 1), block_dilations=[[0], [1]])
    with pytest.raises(FileNotFoundError, match='does not exist'):
        CRResNet(arch=str(tmp_path / 'missing.yaml'))
    bad = tmp_path / 'bad.yaml'
    bad.write_text('family: cr_resnet\n')
    with pytest.raises(ValueError, match='stage_blocks'):
        load_arch(str(bad))
    bad.write_text('[1, 2')
    with pytest.raises(ValueError, match='YAML'):
        load_arch(str(bad))


@pytest.mark.parametrize('sharing', ['independent', 'prefix'])
def test_supernet_path_equals_the_fixed_net(sharing):
    """A supernet path is the CRResNet of that architecture with the path's weights."""
    torch.manual_seed(0)
    sup = MMDET_MODELS.build(dict(type='CRResNetSupernet', stage_options=CR_RESNET_STAGE_OPTIONS,
                                  budget=8, block='basic', base_channels=4, branch_sharing=sharing))
    assert sup.stage_options == [[1, 2, 3], [1, 2, 3], [2, 3], [2, 3, 4]]
    arch = sup.sample_arch(random.Random(3))
    arch['stage_blocks'] = (1, 3, 2, 2)  # a mix of short branches and largest stacks
    arch['dilations'] = [[2], [1, 3, 2], [3, 1], [2, 2]]
    sup.set_arch(arch)
    fixed = CRResNet(stage_blocks=arch['stage_blocks'], block_dilations=arch['dilations'],
                     block='basic', base_channels=4)
    state = sup.path_state_dict(arch)
    fixed.load_state_dict(state)
    sup.eval()
    fixed.eval()
    x = torch.rand(1, 3, 64, 64)
    for a, b in zip(sup(x), fixed(x)):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match='not in the supernet options'):
        sup.set_arch(dict(stage_blocks=(5, 1, 1, 1)))
    with pytest.raises(ValueError, match='outside'):
        sup.set_arch(dict(stage_blocks=(1, 3, 2, 2), dilations=[[7], [1, 1, 1], [1, 1], [1, 1]]))
