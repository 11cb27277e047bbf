"""PC-NAS pool state across processes (DDP, 2 gloo processes) and across a checkpoint (resume)."""
import random
from types import SimpleNamespace

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmx.nas import LatencyLUT, PCNASPoolHook, SPOSSampleHook
from mmx.nas.pcnas_hook import sync_pool
from mmx.nas.searchers import PCNASPoolSearch
from mmx.testing import free_port, init_gloo

OPS = ('k3e3', 'k5e6', 'skip')


def _lut():
    rng = random.Random(0)
    return LatencyLUT([{op: rng.uniform(0.1, 1.0) for op in OPS} for _ in range(4)], 0.2)


def _worker(rank, port, out):
    init_gloo(rank, port)
    try:
        pool = PCNASPoolSearch([OPS] * 4, 2, _lut(), 100.0)
        rng = random.Random(rank)  # each process scores differently, as with sharded held-out data
        while not pool.done:
            pool.update(lambda prefix: rng.random())
            sync_pool(pool)
        # the SPOS path of an iteration is the same on every process
        sup = SimpleNamespace(set_arch=lambda a: paths.append(a),
                              sample_arch=lambda r: tuple(r.choice(OPS) for _ in range(4)))
        paths = []
        hook = SPOSSampleHook(seed=3)
        for it in range(5):
            hook.before_train_iter(SimpleNamespace(model=SimpleNamespace(backbone=sup), iter=it), it)
        out[rank] = (pool.state_dict(), paths)
    finally:
        dist.destroy_process_group()


def test_pool_and_paths_agree_across_two_ddp_processes():
    port = free_port()
    out = mp.Manager().dict()
    # fork: the children inherit the imported modules (spawn would import mmx again in each)
    mp.start_processes(_worker, args=(port, out), nprocs=2, join=True, start_method='fork')
    assert out[0] == out[1]


def test_pool_survives_a_checkpoint(tmp_path):
    lut_path = str(tmp_path / 'lut.json')
    _lut().dump(lut_path)
    sup = SimpleNamespace(layer_choices=[OPS] * 4, set_arch=lambda a: None)
    runner = SimpleNamespace(model=SimpleNamespace(backbone=sup))
    hook = PCNASPoolHook(lut=lut_path, search_dataloader={}, latency_limit_frac=0.5, pool_size=2)
    pool = hook._init_pool(runner)
    pool.update(lambda p: len(p[0]))
    hook.curve.append((10, 4.0))
    ckpt = {}
    hook.before_save_checkpoint(runner, ckpt)
    ckpt = torch.load(_save(ckpt, tmp_path), weights_only=True)
    resumed = PCNASPoolHook(lut=lut_path, search_dataloader={}, latency_limit_frac=0.5, pool_size=2)
    resumed.after_load_checkpoint(runner, ckpt)
    assert resumed._init_pool(runner).pool == pool.pool and resumed.curve == [(10, 4.0)]


def _save(obj, tmp_path):
    path = str(tmp_path / 'ckpt.pth')
    torch.save(obj, path)
    return path
