"""INT8 training under DDP (2 CPU processes, gloo): each process searches its DSGC clip on its own gradients,
the refresh is averaged across processes before the DCLR step, so every process ends with the same quantiser
state, the same lr scales and the same parameters."""
import os

import pytest
import torch
import torch.multiprocessing as mp

from mmx.testing import free_port, init_gloo


def _worker(rank: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist
    import torch.nn as nn
    from mmengine.model import MMDistributedDataParallel
    from mmengine.optim import build_optim_wrapper

    from mmx.cnn.int8 import convert_to_int8, quantized_layers

    init_gloo(rank, port)
    torch.manual_seed(0)  # the same initial model on both ranks
    model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 3))
    convert_to_int8(model, skip=())
    ddp = MMDistributedDataParallel(module=model, broadcast_buffers=False)
    wrapper = build_optim_wrapper(ddp, dict(type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor',
                                            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)))
    layers = quantized_layers(ddp)
    torch.manual_seed(100 + rank)  # different data on each rank
    for layer in layers.values():
        layer.refresh_pending = True
    x = torch.randn(64, 6) * (1 + 3 * rank)
    ddp(x).square().mean().backward()
    local = {name: torch.stack(layer._refresh_stats).mean(0) for name, layer in layers.items()}
    wrapper.step()  # finalises the refresh (all-reduce) before the scaled step
    torch.save(dict(local=local, state=model.state_dict(), scales=wrapper.lr_scales),
               os.path.join(out_dir, f'rank{rank}.pth'))
    dist.destroy_process_group()


@pytest.fixture(scope='module')
def ranks(tmp_path_factory):
    out_dir = str(tmp_path_factory.mktemp('int8_ddp'))
    mp.spawn(_worker, args=(free_port(), out_dir), nprocs=2, join=True)
    return [torch.load(os.path.join(out_dir, f'rank{r}.pth'), weights_only=True) for r in (0, 1)]


def test_refresh_is_averaged_across_processes(ranks):
    r0, r1 = ranks
    for name in r0['local']:
        # the processes saw different gradients, hence different local statistics
        assert not torch.allclose(r0['local'][name], r1['local'][name])
        mean = (r0['local'][name] + r1['local'][name]) / 2
        for r in ranks:
            torch.testing.assert_close(r['state'][f'{name}.grad_clip_ratio'], mean[0])
            torch.testing.assert_close(r['state'][f'{name}.grad_deviation'], mean[1])
            torch.testing.assert_close(r['state'][f'{name}.grad_clip'], mean[2])
            assert int(r['state'][f'{name}.num_refreshes']) == 1
    assert r0['scales'] == r1['scales']


def test_parameters_stay_identical(ranks):
    r0, r1 = ranks
    for key, value in r0['state'].items():
        torch.testing.assert_close(value, r1['state'][key], msg=key)
