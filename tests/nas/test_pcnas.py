"""PC-NAS: latency table, partial model pool under a hard latency limit, PCNASNet, the search tool."""
import importlib.util
import itertools
import os.path as osp
import random

import pytest
import torch
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.nas import LatencyLUT, PCNASNet, PCNASPoolSearch, PCNASSupernet, load_arch
from mmx.registry import MODELS as MMX_MODELS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
OPS = ('k3e3', 'k5e6', 'k7e6', 'skip')


def synthetic_lut(num_layers, seed, base=1.0):
    rng = random.Random(seed)
    return LatencyLUT([{op: rng.uniform(0.1, 3.0) for op in OPS} for _ in range(num_layers)], base)


def test_lut_latency_fastest_completion_and_errors(tmp_path):
    lut = synthetic_lut(4, 0)
    archs = list(itertools.product(OPS, repeat=4))
    assert lut.min_latency(()) == pytest.approx(min(lut.latency(a) for a in archs))
    assert lut.min_latency(('k7e6', )) == pytest.approx(
        min(lut.latency(a) for a in archs if a[0] == 'k7e6'))
    path = str(tmp_path / 'lut.json')
    lut.dump(path)
    assert LatencyLUT.load(path).table == lut.table
    with pytest.raises(FileNotFoundError, match='measure one'):
        LatencyLUT.load(str(tmp_path / 'none.json'))
    with pytest.raises(KeyError, match='not in the latency table'):
        lut.latency(('k9e9', ))
    with pytest.raises(ValueError, match='non-negative'):
        LatencyLUT([{'k3e3': -1.0}])


@pytest.mark.parametrize('seed', range(4))
def test_completions_are_always_within_the_limit(seed):
    lut = synthetic_lut(6, seed)
    rng = random.Random(seed)
    for limit in (lut.min_latency(()), lut.min_latency(()) + 0.5, lut.min_latency(()) + 4):
        for _ in range(20):
            arch = lut.sample_completion((), limit, rng)
            assert len(arch) == 6 and lut.latency(arch) <= limit + 1e-9
    with pytest.raises(ValueError, match='no completion'):
        lut.sample_completion((), lut.min_latency(()) - 1e-3, rng)


@pytest.mark.parametrize('seed', range(6))
def test_pool_search_never_returns_an_architecture_over_the_limit(seed):
    """Target: with a scorer that rewards slow ops (the adversarial case), the result, every pool
    member and every training sample stay within the hard latency limit."""
    lut = synthetic_lut(6, seed)
    archs = list(itertools.product(OPS, repeat=6))
    fastest, slowest = lut.min_latency(()), max(lut.latency(a) for a in archs)
    limit = fastest + (0.1 + 0.15 * seed) * (slowest - fastest)
    search = PCNASPoolSearch([OPS] * 6, 3, lut, limit)
    rng = random.Random(seed)
    while not search.done:
        for _ in range(10):
            assert lut.latency(search.sample(rng)) <= limit
        search.update(lambda prefix: lut.latency(search.complete(prefix, rng)))
    arch, latency = search.result()
    assert latency == pytest.approx(lut.latency(arch)) and latency <= limit
    assert all(lut.latency(a) <= limit for a in search.pool)
    feasible = [a for a in archs if lut.latency(a) <= limit]
    assert arch in feasible


def test_pool_search_rejects_an_impossible_limit_and_a_wrong_table():
    lut = synthetic_lut(3, 0)
    with pytest.raises(ValueError, match='no architecture'):
        PCNASPoolSearch([OPS] * 3, 2, lut, lut.min_latency(()) * 0.5)
    with pytest.raises(ValueError, match='layers'):
        PCNASPoolSearch([OPS] * 4, 2, lut, 100.0)
    with pytest.raises(ValueError, match='lacks'):
        PCNASPoolSearch([OPS + ('k9e1', )] * 3, 2, lut, 100.0)


SMALL = dict(stages=((8, 2, 1), (16, 2, 2)), in_channels=1, stem_channels=8, first_channels=8,
             last_channels=32)


def test_supernet_path_equals_pcnas_net_and_api():
    torch.manual_seed(0)
    sup = MMDET_MODELS.build(dict(type='PCNASSupernet', out_indices=(0, 2), **SMALL))
    assert sup.layer_choices[0][-1] == 'skip' and 'skip' not in sup.layer_choices[2]  # stride 2
    arch = sup.sample_arch(random.Random(1))
    sup.set_arch(arch)
    net = MMX_MODELS.build(dict(type='PCNASNet', ops=arch, out_indices=(0, 2), **SMALL))
    net.load_state_dict(sup.path_state_dict(arch))
    sup.eval()
    net.eval()
    x = torch.rand(2, 1, 16, 16)
    outs = net(x)
    assert [o.shape[1:] for o in outs] == [(8, 8, 8), (32, 4, 4)]
    for a, b in zip(sup(x), outs):
        torch.testing.assert_close(a, b)
    with pytest.raises(ValueError, match='cannot be'):
        PCNASNet(ops=['k3e3', 'k3e3', 'skip', 'k3e3'], **SMALL)
    with pytest.raises(ValueError, match='4 searchable'):
        PCNASNet(ops=['k3e3'], **SMALL)
    with pytest.raises(ValueError, match='k5e6'):
        PCNASNet(ops=['k4e3'] * 4, **SMALL)
    with pytest.raises(ValueError, match='not an architecture'):
        sup.set_arch(('skip', ) * 4)
    frozen = PCNASNet(ops=arch, frozen_stages=1, **SMALL)
    frozen.train()
    assert not any(p.requires_grad for p in frozen.layers[1].parameters())
    assert all(p.requires_grad for p in frozen.layers[2].parameters())


def test_search_pcnas_tool_end_to_end(tmp_path):
    """The digits search, shortened, on a synthetic table: within the limit, a loadable result."""
    spec = importlib.util.spec_from_file_location('search_pcnas', osp.join(ROOT, 'tools/nas/search_pcnas.py'))
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    config = osp.join(ROOT, 'configs/pcnas/pcnas-search_w8_digits.py')
    sup = PCNASSupernet(stages=((16, 2, 1), (24, 3, 2), (32, 3, 2)), in_channels=1, stem_channels=16,
                        first_channels=16, last_channels=128)
    rng = random.Random(0)
    lut = LatencyLUT([{op: rng.uniform(0.1, 1.0) for op in c} for c in sup.layer_choices], 0.5)
    lut_path = str(tmp_path / 'lut.json')
    lut.dump(lut_path)
    work = str(tmp_path / 'search')
    arch = tool.main([config, '--work-dir', work, '--cfg-options', f'custom_hooks.0.lut={lut_path}',
                      'custom_hooks.0.warmup_iters=1', 'custom_hooks.0.interval_iters=1',
                      'custom_hooks.0.num_batches=1', 'custom_hooks.0.pool_size=1', 'train_cfg.max_iters=9',
                      'custom_hooks.0.search_dataloader.batch_size=8', 'custom_hooks.0.score=loss',
                      'train_dataloader.batch_size=8',
                      'param_scheduler.0.end=9'])
    assert arch == load_arch(osp.join(work, 'pcnas_arch.yaml'))
    assert lut.latency(arch['ops']) <= arch['latency_limit_ms']
    assert len(arch['curve']) == 8
    net = PCNASNet(arch=osp.join(work, 'pcnas_arch.yaml'), in_channels=1, stem_channels=16,
                   first_channels=16, last_channels=128)
    net.load_state_dict(torch.load(osp.join(work, 'pcnas_arch_weights.pth'), weights_only=True))
