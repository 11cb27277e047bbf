"""DCLR in the optimiser wrapper (lr arithmetic under schedulers), the constructor, DSGCHook, Int8Runner with
checkpoint save/resume of the quantiser state."""
import copy
import json
import math
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.optim import LinearLR, MultiStepLR, build_optim_wrapper

import mmx  # noqa: F401
from mmx.cnn.int8 import Int8Linear, convert_to_int8, finalize_refresh, quantized_layers
from mmx.engine import GROUP_KEY, DCLROptimWrapper, DSGCHook

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DIGITS_INT8 = osp.join(ROOT, 'configs/int8/small-convnet_int8-dsgc-dclr_1xb32-30e_digits.py')

SGD = dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.01)


def _mlp():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))
    convert_to_int8(model, skip=('last_linear', ))  # layers 0 and 2 quantised, 4 in float
    return model


def _schedulers(wrapper):
    # chained: a linear warm-up from 0.5 (mmengine's LinearLR reaches 1 at step end - 1), x0.1 from step 2 on
    return [LinearLR(wrapper, start_factor=0.5, end=2, by_epoch=False),
            MultiStepLR(wrapper, milestones=[2], gamma=0.1, by_epoch=False)]


def test_constructor_tags_one_group_per_parameter():
    model = _mlp()
    wrapper = build_optim_wrapper(model, dict(type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor',
                                              optimizer=SGD))
    assert isinstance(wrapper, DCLROptimWrapper)
    tags = [(g.get(GROUP_KEY), len(g['params'])) for g in wrapper.optimizer.param_groups]
    assert tags == [('0', 1), ('0', 1), ('2', 1), ('2', 1), (None, 1), (None, 1)]
    assert set(wrapper.int8_layers) == {'0', '2'}
    with pytest.raises(ValueError, match='INT8 layers'):
        build_optim_wrapper(nn.Linear(2, 2), dict(constructor='Int8OptimWrapperConstructor', optimizer=SGD))


def test_dclr_scales_the_step_never_the_scheduled_lr():
    """SGD with momentum and weight decay under a chained warm-up + multi-step schedule: each INT8 layer's
    update uses φ(d)·lr(t), the other layer's lr(t), and group['lr'] stays lr(t) (no compounding)."""
    model = _mlp()
    d = {'0': 0.01, '2': 0.2}  # φ = exp(-0.2) and the floor 0.1
    phi = {'0': math.exp(-0.2), '2': 0.1}
    for name, value in d.items():
        model.get_submodule(name).grad_deviation.fill_(value)
    wrapper = build_optim_wrapper(model, dict(type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor',
                                              optimizer=SGD, alpha=20.0, beta=0.1))
    schedulers = _schedulers(wrapper)
    # independent reference: the SGD update written out, lr(t) by hand
    scheduled = [0.05, 0.1, 0.01, 0.01, 0.01]
    params = {n: p.detach().clone() for n, p in model.named_parameters()}
    momentum = {n: torch.zeros_like(p) for n, p in params.items()}
    gen = torch.Generator().manual_seed(1)
    for t, lr in enumerate(scheduled):
        assert [g['lr'] for g in wrapper.optimizer.param_groups] == pytest.approx([lr] * 6)
        grads = {n: torch.randn(p.shape, generator=gen) for n, p in params.items()}
        for n, p in model.named_parameters():
            p.grad = grads[n].clone()
        wrapper.step()
        assert wrapper.lr_scales == pytest.approx(phi)
        for n in params:
            g = grads[n] + 0.01 * params[n]
            momentum[n] = g if t == 0 else 0.9 * momentum[n] + g
            params[n] = params[n] - phi.get(n.split('.')[0], 1.0) * lr * momentum[n]
        for n, p in model.named_parameters():
            torch.testing.assert_close(p.detach(), params[n], msg=f'{n} at step {t}')
        # restored: the groups carry the scheduled lr, whatever the scale
        assert [g['lr'] for g in wrapper.optimizer.param_groups] == pytest.approx([lr] * 6)
        for scheduler in schedulers:
            scheduler.step()


def test_dclr_uses_the_refresh_of_its_own_step():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 2))
    convert_to_int8(model)
    wrapper = build_optim_wrapper(model, dict(type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor',
                                              optimizer=SGD))
    layers = quantized_layers(model)
    for layer in layers.values():
        layer.refresh_pending = True
    wrapper.update_params(model(torch.randn(64, 3)).square().sum())
    for name, layer in layers.items():
        assert not layer.refresh_pending and int(layer.num_refreshes) == 1
        d = float(layer.grad_deviation)
        assert d > 0 and wrapper.lr_scales[name] == pytest.approx(max(math.exp(-20 * d), 0.1))
    # a refresh finalised outside the step (DSGCHook, with gradient accumulation) is read at the next step
    for layer in layers.values():
        layer.refresh_pending = True
    model(torch.randn(64, 3)).square().sum().backward()
    finalize_refresh(layers.values())
    wrapper.step()
    for name, layer in layers.items():
        assert int(layer.num_refreshes) == 2
        assert wrapper.lr_scales[name] == pytest.approx(max(math.exp(-20 * float(layer.grad_deviation)), 0.1))
    # a loaded optimiser state re-reads the deviations at the next step
    layers['0'].grad_deviation.fill_(1.0)
    wrapper.load_state_dict(wrapper.state_dict())
    wrapper.update_params(model(torch.randn(64, 3)).square().sum())
    assert wrapper.lr_scales['0'] == 0.1


@pytest.mark.parametrize('kwargs, match', [(dict(alpha=-1.0), 'alpha'), (dict(beta=0.0), 'beta'),
                                           (dict(beta=1.5), 'beta')])
def test_dclr_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DCLROptimWrapper(torch.optim.SGD(nn.Linear(2, 2).parameters(), lr=0.1), **kwargs)


def test_dsgc_hook_bad_period():
    with pytest.raises(ValueError, match='period'):
        DSGCHook(period=0)


def _digits_cfg(work_dir: str, epochs: int):
    cfg = Config.fromfile(DIGITS_INT8)
    cfg.work_dir = work_dir
    cfg.int8_training.period = 1  # a refresh at every iteration
    cfg.train_dataloader.dataset.indices = 64  # 2 iterations an epoch
    cfg.train_dataloader.batch_size = 32
    cfg.val_dataloader.dataset.indices = 64
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = 100
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=True)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.log_level = 'WARNING'
    cfg.visualizer.name = f'int8_test_{osp.basename(work_dir)}_{epochs}'
    return cfg


def _build(cfg):
    from mmengine.registry import RUNNERS
    return RUNNERS.build(cfg)


def test_int8_runner_trains_logs_and_resumes(tmp_path):
    work_dir = str(tmp_path)
    runner = _build(_digits_cfg(work_dir, 2))
    layers = quantized_layers(runner.model)
    assert list(layers) == ['backbone.stages.1.0.conv', 'backbone.stages.2.0.conv']  # first conv, head: float
    assert sum(isinstance(h, DSGCHook) for h in runner.hooks) == 1  # added by the runner
    runner.train()
    state = {k: v.clone() for k, v in runner.model.state_dict().items()}
    assert int(state['backbone.stages.1.0.conv.num_refreshes']) == 4  # 2 epochs x 2 iterations, period 1
    assert float(state['backbone.stages.2.0.conv.grad_deviation']) > 0
    assert runner.message_hub.get_scalar('train/int8_d_mean') is not None
    assert runner.message_hub.get_scalar('train/int8_lr_scale_min') is not None
    scalars = osp.join(work_dir, runner.timestamp, 'vis_data', 'scalars.json')
    lines = [json.loads(line) for line in open(scalars)]
    per_layer = [line for line in lines if 'int8/backbone.stages.1.0.conv/d' in line]
    assert len(per_layer) == 4 and 'int8/backbone.stages.2.0.conv/lr_scale' in per_layer[0]

    # resume from the first epoch: the quantiser state of that epoch comes back, and training goes on
    cfg = _digits_cfg(work_dir, 1)
    cfg.resume, cfg.load_from = True, osp.join(work_dir, 'epoch_1.pth')
    resumed = _build(cfg)
    resumed.train()  # resumes at the end of epoch 1: nothing left to train
    epoch1 = resumed.model.state_dict()
    assert int(epoch1['backbone.stages.1.0.conv.num_refreshes']) == 2
    cfg = _digits_cfg(work_dir, 2)
    cfg.resume, cfg.load_from = True, osp.join(work_dir, 'epoch_2.pth')
    again = _build(cfg)
    again.train()
    for key, value in again.model.state_dict().items():
        assert torch.equal(value, state[key]), key


def test_int8_runner_needs_settings(tmp_path):
    cfg = _digits_cfg(str(tmp_path), 1)
    cfg.pop('int8_training')
    with pytest.raises(ValueError, match='int8_training'):
        _build(cfg)
    cfg = _digits_cfg(str(tmp_path), 1)
    cfg.int8_training.bogus = 1
    with pytest.raises(ValueError, match='bogus'):
        _build(cfg)


def test_hook_refresh_schedule():
    class FakeRunner:
        def __init__(self, model):
            self.model, self.iter = model, 0

    model = nn.Sequential(Int8Linear(2, 2), Int8Linear(2, 2))
    hook = DSGCHook(period=3)
    runner = FakeRunner(model)
    hook.before_run(runner)
    pending = []
    for it in range(7):
        runner.iter = it
        hook.before_train_iter(runner, it)
        pending.append(model[0].refresh_pending)
        for layer in model:
            layer.refresh_pending = False
    assert pending == [True, False, False, True, False, False, True]
    with pytest.raises(RuntimeError, match='no INT8 layer'):
        DSGCHook().before_run(FakeRunner(nn.Linear(2, 2)))


def test_convert_keeps_the_optimizer_valid():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.Conv2d(4, 4, 3), nn.Flatten(), nn.Linear(4, 8), nn.Linear(8, 2))
    reference = copy.deepcopy(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    ids = [id(p) for p in model.parameters()]
    convert_to_int8(model)
    assert [id(p) for p in model.parameters()] == ids
    x = torch.randn(2, 1, 5, 5)
    model(x).sum().backward()
    opt.step()
    assert not torch.equal(model[1].weight, reference[1].weight)
