"""tools/benchmarks/eql.py: the per-loss config it trains, one real (shortened) run through its runner code,
and the summary it prints (table, and the JSON last line with the keys the issue fixes)."""
import json
import os.path as osp
import runpy

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'eql.py'), run_name='benchmark_eql')
GROUPS = ('AP', 'APr', 'APc', 'APf')


@pytest.fixture(scope='module')
def toy_lvis_data() -> str:
    """The demo's toy data (data/toy_lvis, git-ignored), generated on demand and reused."""
    from mmx.det.datasets import generate_toy_lvis
    return generate_toy_lvis(osp.join(ROOT, 'data', 'toy_lvis'))['out_dir']


@pytest.mark.parametrize('name', ['ce', 'eql', 'eqlv2'])
def test_benchmark_cfg_same_schedule_and_data(name, tmp_path):
    cfg = BENCH['benchmark_cfg'](name, 5, 'bbox', 7, str(tmp_path), '/data/toy')
    assert cfg.train_cfg.max_epochs == 5 and cfg.train_cfg.val_interval == 5
    assert cfg.param_scheduler[1].end == 5 and cfg.param_scheduler[1].milestones == [4]
    assert cfg.randomness == dict(seed=7)
    assert cfg.work_dir == osp.join(str(tmp_path), name)
    assert cfg.val_evaluator.metric == 'bbox'
    assert cfg.val_evaluator.ann_file == '/data/toy/annotations/lvis_v1_val.json'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.data_root == '/data/toy/'
    loss = cfg.model.roi_head.bbox_head.loss_cls
    expected = dict(ce='CrossEntropyLoss', eql='EqualizationLoss', eqlv2='EqualizationLossV2')[name]
    assert loss.type == expected
    if name != 'ce':
        assert loss.ann_file == '/data/toy/annotations/lvis_v1_train.json'


@pytest.mark.slow
def test_run_one_trains_evaluates_reuses_and_times(toy_lvis_data, tmp_path):
    def cfg():
        c = BENCH['benchmark_cfg']('eqlv2', 1, 'bbox', 0, str(tmp_path), toy_lvis_data)
        c.train_dataloader.dataset.indices = 8  # 2 iterations of 4 images
        c.val_dataloader.dataset.indices = 4
        return c

    result, runner = BENCH['run_one'](cfg(), 'eqlv2', 'bbox')
    assert set(result) == set(GROUPS)
    assert all(-100 <= result[g] <= 100 for g in GROUPS)  # LVIS reports -1 (here -100 %) for an empty group
    assert osp.isfile(osp.join(str(tmp_path), 'eqlv2', 'epoch_1.pth'))

    # --reuse: the same AP, read back from the log, and the trained weights
    reused, runner2 = BENCH['run_one'](cfg(), 'eqlv2', 'bbox', reuse=True)
    assert reused == pytest.approx(result)
    weight = 'roi_head.bbox_head.fc_cls.weight'
    assert (runner.model.state_dict()[weight] == runner2.model.state_dict()[weight]).all()
    other_seed = cfg()
    other_seed.randomness = dict(seed=1)
    with pytest.raises(ValueError, match='from another run'):
        BENCH['run_one'](other_seed, 'eqlv2', 'bbox', reuse=True)

    times = BENCH['interleaved_step_times']({'a': runner, 'b': runner2}, num_batches=1, rounds=2)
    assert set(times) == {'a', 'b'} and all(t > 0 for t in times.values())


def test_summarise_prints_json_last(capsys):
    results = {
        'ce': dict(AP=30.0, APr=10.0, APc=25.0, APf=50.0, step_time=0.5),
        'eql': dict(AP=31.0, APr=15.0, APc=26.0, APf=49.5, step_time=0.52),
        'eqlv2': dict(AP=32.004, APr=18.0, APc=27.0, APf=49.0, step_time=0.55),
    }
    summary = BENCH['summarise'](results, 'test run', 'segm')
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == summary
    assert set(summary) == {'ce', 'eql', 'eqlv2', 'step_time_ratio', 'metric'}
    assert summary['metric'] == 'segm'
    assert summary['eqlv2'] == dict(AP=32.0, APr=18.0, APc=27.0, APf=49.0)
    assert summary['step_time_ratio'] == {'eql': 1.04, 'eqlv2': 1.1}
    assert 'mask AP' in lines[0] and 'test run' in lines[0]


def test_quick_and_full_defaults():
    parse = BENCH['parse_args']
    assert parse([]).quick is False and parse(['--quick']).quick is True
    assert BENCH['QUICK_EPOCHS'] < BENCH['FULL_EPOCHS']
