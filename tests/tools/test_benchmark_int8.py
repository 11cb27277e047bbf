"""tools/benchmarks/int8.py: the config of each run, one shortened real run, and the summary (table, JSON
last line with the keys the issue fixes)."""
import json
import os.path as osp
import runpy

import pytest

import mmx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'int8.py'), run_name='benchmark_int8')
KEYS = ['fp32_acc', 'int8_naive_acc', 'int8_dsgc_acc', 'int8_dsgc_dclr_acc', 'int8_vs_fp32_step_ratio']


@pytest.mark.parametrize('name, runner, dsgc, wrapper', [
    ('fp32', None, None, 'OptimWrapper'), ('int8_naive', 'Int8Runner', False, 'OptimWrapper'),
    ('int8_dsgc', 'Int8Runner', True, 'OptimWrapper'), ('int8_dsgc_dclr', 'Int8Runner', True, 'DCLROptimWrapper')])
def test_variant_cfg(name, runner, dsgc, wrapper, tmp_path):
    cfg = BENCH['variant_cfg'](name, 7, 3, str(tmp_path))
    assert cfg.get('runner_type') == runner
    assert cfg.optim_wrapper.get('type', 'OptimWrapper') == wrapper
    if runner:
        assert cfg.int8_training.dsgc is dsgc and cfg.int8_training.grad_rounding == 'stochastic'
        assert ('alpha' in cfg.optim_wrapper) == (wrapper == 'DCLROptimWrapper')
    # everything else is the FP32 recipe
    assert cfg.optim_wrapper.optimizer.lr == 0.1 and cfg.train_dataloader.batch_size == 32
    assert cfg.train_cfg.max_epochs == 7 and cfg.param_scheduler[-1].end == 7
    assert cfg.randomness == dict(seed=3) and cfg.work_dir == osp.join(str(tmp_path), f'{name}_seed3')


def test_one_short_run(tmp_path):
    from mmengine.utils import ProgressBar
    cfg = BENCH['variant_cfg']('int8_dsgc_dclr', 1, 0, str(tmp_path))
    cfg.train_dataloader.dataset.indices = 64
    cfg.val_dataloader.dataset.indices = 32
    result = BENCH['run_digits'](cfg, ProgressBar(2, file=open(osp.join(str(tmp_path), 'bar'), 'w')))
    assert 0 <= result['acc'] <= 100 and isinstance(result['diverged'], bool)
    assert 0 < result['d'] < 1 and 0.1 <= result['lr_scale'] <= 1


def test_summary_last_line(capsys, tmp_path):
    digits = {name: [dict(acc=a, diverged=False, d=d), dict(acc=a - 1, diverged=a < 60, d=d)]
              for name, a, d in zip(BENCH['VARIANTS'], (98.0, 97.0, 97.5, 30.0), (None, 0.02, 0.01, 0.01))}
    det = {'fp32': dict(AP=40.0, diverged=False), 'int8_dsgc_dclr': dict(AP=38.5, diverged=False)}
    timing = dict(fp32=0.02, int8=0.03, ratio=1.5, period=20)
    summary = BENCH['summarise'](digits, det, timing, None, 3, [0, 1], 1)
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == summary and list(last)[:5] == KEYS
    assert last['fp32_acc'] == 97.5 and last['int8_dsgc_dclr_diverged'] == 1
    assert 'fp32_grad_deviation' not in last and last['int8_naive_grad_deviation'] == 0.02
    assert last['det_int8_dsgc_dclr_AP'] == 38.5 and last['int8_gemm_vs_fp32_ratio_cuda'] is None
    BENCH['plot'](digits, osp.join(str(tmp_path), 'p.png'), 3)
    assert osp.getsize(osp.join(str(tmp_path), 'p.png')) > 0
