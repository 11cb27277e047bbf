"""tools/benchmarks/tin.py: the per-model config it trains (same schedule, data and seed), one real shortened
run, the interleaved timings, and the summary it prints (table, and the JSON last line with the issue's keys)."""
import json
import os.path as osp
import runpy
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'tin.py'), run_name='benchmark_tin')
ISSUE_KEYS = {'tsn_top1', 'tsm_top1', 'tin_top1', 'trn_top1', 'tin_vs_tsm_step_ratio', 'op_vs_naive_speedup'}


@pytest.mark.parametrize('model', ['tsn', 'tsm', 'tin', 'trn', 'slowfast'])
@pytest.mark.parametrize('task', ['motion', 'motion-multilabel'])
def test_benchmark_cfg_same_schedule_and_data(model, task, tmp_path):
    cfg = BENCH['benchmark_cfg'](model, task, 5, 7, str(tmp_path), '/data')
    assert cfg.train_cfg.max_epochs == 5 and cfg.train_cfg.val_interval == 6
    warmup, cosine = cfg.param_scheduler
    assert warmup.end == 1 and cosine.end == 5 and cosine.T_max == 4
    assert cfg.optim_wrapper.optimizer == dict(type='AdamW', lr=1e-3, weight_decay=1e-4)
    assert cfg.train_dataloader.batch_size == 8
    assert ('paramwise_cfg' in cfg.optim_wrapper) == (model == 'tin')
    assert cfg.randomness == dict(seed=7)
    folder = '/data/toy_video' if task == 'motion' else '/data/toy_video_ml'
    for key, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'), ('test_dataloader', 'val')):
        assert cfg[key].dataset.ann_file == f'{folder}/{split}_rawframes.txt'
        assert cfg[key].dataset.data_prefix == dict(img=f'{folder}/rawframes')
    if model != 'slowfast':
        assert cfg.model.backbone.depth == 18


@pytest.mark.slow
def test_run_one_trains_and_evaluates(tmp_path):
    sys.path.insert(0, ROOT)
    from mmx.action.datasets import generate_toy_video
    generate_toy_video(str(tmp_path / 'data' / 'toy_video'), num_train=12, num_val=6, formats=('rawframes', ))
    cfg = BENCH['benchmark_cfg']('tin', 'motion', 1, 0, str(tmp_path / 'work'), str(tmp_path / 'data'))
    cfg.train_dataloader.batch_size = 4  # 3 iterations
    result = BENCH['run_one'](cfg, 'tin')
    assert 0 <= result['top1'] <= 100 and result['step_time'] > 0


def test_interleaved_medians_alternate():
    calls = []
    medians = BENCH['interleaved_medians']({'a': lambda: calls.append('a'), 'b': lambda: calls.append('b')}, 3, 1)
    assert calls == ['a', 'b'] * 4 and set(medians) == {'a', 'b'}


def test_op_speed_compares_equal_work():
    op = BENCH['op_speed'](repeats=2)
    assert op['device'] in ('cpu', 'cuda') and op['op'] > 0 and op['naive'] > 0
    assert op['speedup'] == pytest.approx(op['naive'] / op['op'])


@pytest.mark.slow
def test_step_time_ratio_builds_both_toy_models():
    step = BENCH['step_time_ratio'](repeats=1, batch_size=2)
    assert step['tsm_step'] > 0 and step['ratio'] == pytest.approx(step['tin_step'] / step['tsm_step'])


def test_summary_last_line_has_the_issue_keys(capsys):
    results = {name: dict(top1=t, step_time=s) for name, t, s in
               (('tsn', 50.0, 1.0), ('tsm', 90.0, 1.0), ('tin', 95.0, 1.1), ('trn', 80.0, 1.0))}
    results['tin-multilabel'] = dict(mmit_mean_average_precision=88.0, step_time=1.1)
    summary = BENCH['summarise'](results, dict(tin_step=1.1, tsm_step=1.0, ratio=1.1),
                                 dict(device='cpu', op=0.001, naive=0.02, speedup=20.0), 'test')
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1]) == summary
    assert ISSUE_KEYS <= set(summary)
    assert summary['tin_top1'] == 95.0 and summary['tin_mAP'] == 88.0 and summary['op_vs_naive_speedup'] == 20.0
    assert any(line.startswith('tsn') and '50.00' in line for line in out)


def test_rejects_unknown_model():
    with pytest.raises(SystemExit):
        BENCH['parse_args'](['--models', 'i3d'])
