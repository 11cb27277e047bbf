"""tools/benchmarks/mabn.py: the config of each run, its Batch Renormalization baseline, one real
(shortened) run and step timing, and the summary (table, JSON last line with the keys the issue fixes)."""
import json
import os.path as osp
import runpy

import pytest
import torch

import mmx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'mabn.py'), run_name='benchmark_mabn')
KEYS = {'bn32_acc', 'bn2_acc', 'gn2_acc', 'mabn2_acc', 'mabn_vs_bn_step_ratio'}


@pytest.mark.parametrize('name, batch, norm, conv', [
    ('bn32', 32, 'BN', None), ('bn2', 2, 'BN', None), ('gn2', 2, 'GN', None),
    ('brn2', 2, 'BenchmarkBatchRenorm2d', None), ('mabn2', 2, 'MABN', 'CenConv2d')])
def test_variant_cfg(name, batch, norm, conv, tmp_path):
    cfg = BENCH['variant_cfg'](name, 7, 3, str(tmp_path))
    backbone = cfg.model.backbone
    assert backbone.widths == (32, 64, 128, 256) and backbone.strides == (1, 2, 2, 2)
    assert cfg.model.head.in_channels == 256 and cfg.train_dataloader.drop_last
    three = BENCH['variant_cfg'](name, 7, 3, str(tmp_path), stages=3).model
    assert three.backbone.widths == (32, 64, 128) and three.head.in_channels == 128
    assert cfg.train_dataloader.batch_size == batch
    assert backbone.norm_cfg.type == norm and (backbone.get('conv_cfg') or {}).get('type') == conv
    assert cfg.optim_wrapper.optimizer.lr == pytest.approx(0.1 * batch / 32)  # linear scaling
    assert cfg.train_cfg.max_epochs == 7 and cfg.param_scheduler[-1].end == 7
    assert cfg.randomness == dict(seed=3) and cfg.work_dir == osp.join(str(tmp_path), f'{name}_seed3')
    one_epoch = BENCH['variant_cfg'](name, 1, 0, str(tmp_path))
    assert [s.type for s in one_epoch.param_scheduler] == ['LinearLR']


def test_batch_renorm_is_bn_during_warmup_then_corrects_towards_running_statistics():
    torch.manual_seed(0)
    brn = BENCH['BatchRenorm2d'](3, momentum=0.1, r_max=1.5, d_max=0.5, warmup_iters=2)
    bn = torch.nn.BatchNorm2d(3, momentum=0.1)
    for _ in range(2):
        x = torch.randn(2, 3, 4, 4) * 3 + 1
        torch.testing.assert_close(brn(x), bn(x))
    torch.testing.assert_close(brn.running_mean, bn.running_mean)
    torch.testing.assert_close(brn.running_var, bn.running_var)
    x = torch.randn(2, 3, 4, 4) * 10 - 5
    var, mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
    std, running_std = (var + 1e-5).sqrt(), (brn.running_var + 1e-5).sqrt()
    r = (std / running_std).clamp(1 / 1.5, 1.5)
    d = ((mean - brn.running_mean) / running_std).clamp(-0.5, 0.5)
    expect = (x - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1) * r.view(1, -1, 1, 1) + d.view(1, -1, 1, 1)
    torch.testing.assert_close(brn(x), expect)
    brn.eval(), bn.eval()
    torch.testing.assert_close(brn(x), torch.nn.functional.batch_norm(
        x, brn.running_mean, brn.running_var, brn.weight, brn.bias, False, 0.0, brn.eps))


@pytest.mark.slow
def test_one_short_run_and_the_step_timing(tmp_path):
    cfg = BENCH['variant_cfg']('mabn2', 1, 0, str(tmp_path))
    cfg.train_dataloader.dataset.indices = 8
    cfg.val_dataloader.dataset.indices = 16
    from mmengine.utils import ProgressBar
    acc = BENCH['run_one'](cfg, ProgressBar(4))
    assert 0 <= acc <= 100
    with open(osp.join(cfg.work_dir, 'result.json')) as f:
        assert json.load(f) == dict(epochs=1, widths=[32, 64, 128, 256], seed=0, accuracy=acc, iters=4)
    # --reuse reads it back without training; a result of another setting is not taken
    assert BENCH['run_one'](cfg, ProgressBar(4), reuse=True) == acc
    other = BENCH['variant_cfg']('mabn2', 2, 0, str(tmp_path))
    other.train_dataloader.dataset.indices = 8
    other.val_dataloader.dataset.indices = 16
    BENCH['run_one'](other, ProgressBar(8), reuse=True)
    with open(osp.join(cfg.work_dir, 'result.json')) as f:
        result = json.load(f)
    assert result['epochs'] == 2 and result['iters'] == 8
    timing = BENCH['step_time_ratio'](2, blocks=1)
    assert timing['bn'] > 0 and timing['mabn'] > 0 and timing['mabn_plain_conv'] > 0
    assert timing['ratio'] == pytest.approx(timing['mabn'] / timing['bn'])
    assert timing['ratio_plain_conv'] == pytest.approx(timing['mabn_plain_conv'] / timing['bn'])


def test_summarise_prints_json_last(capsys):
    accs = dict(bn32=[98.0, 98.5], bn2=[97.0, 96.0], gn2=[97.5, 97.5], brn2=[96.0, 97.0], mabn2=[98.2, 98.4])
    timing = {2: dict(bn=0.005, mabn=0.006, mabn_plain_conv=0.0055, ratio=1.2, ratio_plain_conv=1.1),
              32: dict(bn=0.01, mabn=0.011, mabn_plain_conv=0.0105, ratio=1.1, ratio_plain_conv=1.05)}
    summary = BENCH['summarise'](accs, timing, 30, [0, 1], stages=4)
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == summary
    assert KEYS <= set(summary)
    assert summary['bn2_acc'] == 96.5 and summary['bn2_acc_std'] == pytest.approx(0.71)
    assert summary['mabn_vs_bn_step_ratio'] == 1.2 and summary['seeds'] == [0, 1] and summary['stages'] == 4
    assert summary['mabn_plain_conv_vs_bn_step_ratio'] == 1.1
    assert summary['mabn_plain_conv_vs_bn_step_ratio_b32'] == 1.05


def test_summarise_timing_only(capsys):
    timing = {2: dict(bn=0.005, mabn=0.006, mabn_plain_conv=0.0055, ratio=1.2, ratio_plain_conv=1.1),
              32: dict(bn=0.01, mabn=0.011, mabn_plain_conv=0.0105, ratio=1.1, ratio_plain_conv=1.05)}
    summary = BENCH['summarise']({}, timing, 30, [], stages=4)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == summary == {
        'mabn_vs_bn_step_ratio': 1.2, 'mabn_vs_bn_step_ratio_b32': 1.1, 'mabn_plain_conv_vs_bn_step_ratio': 1.1,
        'mabn_plain_conv_vs_bn_step_ratio_b32': 1.05, 'stages': 4}
