"""MABN under DDP (2 CPU processes, gloo): statistics per process by design, gradients averaged.

Each rank sees different data. With ``broadcast_buffers=False`` (mmengine's Runner default) the parameters
stay identical across ranks while every MABN keeps its own SMA windows and EMA, as in the paper (8 GPUs,
2 images each, statistics per GPU). mmengine's ``SyncBuffersHook`` all-reduce then averages them.
"""
import os

import pytest
import torch
import torch.multiprocessing as mp

from mmx.testing import free_port, init_gloo

STEPS = 5


def _worker(rank: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist
    import torch.nn as nn
    from mmengine.dist import all_reduce_params
    from mmengine.model import MMDistributedDataParallel

    from mmx.cnn import MABN, CenConv2d

    init_gloo(rank, port)
    torch.manual_seed(0)  # the same initial model on both ranks
    model = nn.Sequential(CenConv2d(3, 8, 3, padding=1, bias=False),
                          MABN(8, buffer_size=2, warmup_iters=2, renorm_warmup_iters=3), nn.ReLU(),
                          nn.Conv2d(8, 4, 1))
    ddp = MMDistributedDataParallel(module=model, broadcast_buffers=False)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    torch.manual_seed(100 + rank)  # different data on each rank
    for _ in range(STEPS):
        opt.zero_grad()
        x = torch.randn(2, 3, 6, 6) * (1 + rank)
        ddp(x).square().mean().backward()
        opt.step()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    torch.save(state, os.path.join(out_dir, f'rank{rank}.pth'))
    # what SyncBuffersHook does before validation
    all_reduce_params(model.buffers(), op='mean')
    torch.save(model.state_dict(), os.path.join(out_dir, f'synced{rank}.pth'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def ddp_states(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('mabn_ddp'))
    mp.spawn(_worker, args=(free_port(), out_dir), nprocs=2, join=True)
    load = (lambda name: torch.load(os.path.join(out_dir, name), weights_only=True))
    return [load(f'rank{r}.pth') for r in (0, 1)], [load(f'synced{r}.pth') for r in (0, 1)]


def test_parameters_agree_and_statistics_are_per_process(ddp_states):
    (rank0, rank1), _ = ddp_states
    for key in ('0.weight', '1.weight', '1.bias', '3.weight'):
        torch.testing.assert_close(rank0[key], rank1[key], msg=key)
    for key in ('1.running_var', '1.sma_chi2', '1.sma_psi'):
        assert not torch.allclose(rank0[key], rank1[key]), f'{key} should differ between ranks'
        assert rank0[key].any()
    assert int(rank0['1.num_batches_tracked']) == int(rank1['1.num_batches_tracked']) == STEPS


def test_sync_buffers_hook_averages_the_statistics(ddp_states):
    (rank0, rank1), (synced0, synced1) = ddp_states
    for key in ('1.running_var', '1.sma_chi2', '1.sma_psi'):
        torch.testing.assert_close(synced0[key], (rank0[key] + rank1[key]) / 2, msg=key)
        torch.testing.assert_close(synced0[key], synced1[key], msg=key)
    assert int(synced0['1.num_batches_tracked']) == STEPS
