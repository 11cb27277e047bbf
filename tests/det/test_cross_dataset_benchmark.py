"""tools/benchmarks/cross_dataset.py: the configs of its runs (separate per source, naive, aware) and the summary
it prints (table, plot, and the JSON last line with the issue's keys)."""
import json
import os.path as osp
import runpy

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'cross_dataset.py'), run_name='benchmark_cross')


def test_run_configs(tmp_path):
    sep = BENCH['benchmark_cfg']('separate_a', 3, 7, str(tmp_path), '/d/cross', '/d/toy_lvis', num_train=40)
    assert [s.name for s in sep.train_dataloader.dataset.sources] == ['a']
    assert [s.name for s in sep.val_dataloader.dataset.sources] == ['a']
    assert sep.model.roi_head.bbox_head.num_classes == 16 == len(sep.train_dataloader.dataset.classes)
    assert sep.model.roi_head.bbox_head.loss_cls.num_classes == 16
    assert sep.train_cfg.max_epochs == 3 and sep.randomness == dict(seed=7)
    assert sep.param_scheduler[0].end == 2  # a fifth of the first epoch's 10 iterations
    assert sep.val_evaluator.source_metrics['a'].ann_file == '/d/cross/annotations/a_val.json'
    assert sep.train_dataloader.dataset.sources[0].dataset.data_prefix == dict(img='../toy_lvis/')
    aware = BENCH['benchmark_cfg']('aware', 3, 7, str(tmp_path), '/d/cross', '/d/toy_lvis')
    assert aware.model.roi_head.type == 'DatasetAwareRoIHead'
    assert [s.name for s in aware.train_dataloader.dataset.sources] == ['a', 'b']
    assert set(aware.val_evaluator.source_metrics) == {'a', 'b', 'a_unannotated', 'b_unannotated'}
    assert aware.model.roi_head.bbox_head.num_classes == 24


def test_summary_keys_and_plot(tmp_path, capsys):
    """main() prints json.dumps of this summary as its last line."""
    results = dict(separate_a=dict(a=40.0), separate_b=dict(b=30.0),
                   naive=dict(a=39.0, b=29.0, a_unannotated=5.0, b_unannotated=6.0),
                   aware=dict(a=41.0, b=28.5, a_unannotated=20.0, b_unannotated=22.0))
    summary = BENCH['summarise'](results, 3)
    BENCH['plot'](summary, str(tmp_path / 'ap.png'))
    assert 'source    separate' in capsys.readouterr().out
    last = json.loads(json.dumps(summary))
    for key in ('separate_AP', 'naive_AP', 'aware_AP', 'naive_unannotated_AP', 'aware_unannotated_AP'):
        assert set(last[key]) == {'a', 'b'}
    assert last['aware_over_separate'] == {'a': 1.025, 'b': 0.95}
    assert last['aware_unannotated_AP'] == {'a': 20.0, 'b': 22.0}
    assert osp.getsize(tmp_path / 'ap.png') > 0
