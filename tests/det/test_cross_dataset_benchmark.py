"""tools/benchmarks/cross_dataset.py: the configs of its runs (separate per source, naive, aware) and the summary
it prints (table, plot, and the JSON last line with the issue's keys)."""
import json
import os.path as osp
import runpy

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'cross_dataset.py'), run_name='benchmark_cross')


def test_run_configs(tmp_path):
    sep = BENCH['benchmark_cfg']('separate_a', 3, 7, str(tmp_path), '/d/cross', '/d/toy_lvis', num_imgs=40)
    assert [s.name for s in sep.train_dataloader.dataset.sources] == ['a']
    assert [s.name for s in sep.val_dataloader.dataset.sources] == ['a']
    assert sep.model.roi_head.bbox_head.num_classes == 16 == len(sep.train_dataloader.dataset.classes)
    assert sep.model.roi_head.bbox_head.loss_cls.num_classes == 16
    assert sep.train_cfg.max_epochs == 3 and sep.randomness == dict(seed=7)
    assert sep.param_scheduler[0].end == 2  # a fifth of the first epoch's 10 iterations
    assert sep.work_dir == osp.join(str(tmp_path), 'seed7', 'separate_a')
    assert sep.val_evaluator.source_metrics['a'].ann_file == '/d/cross/annotations/a_val.json'
    assert sep.train_dataloader.dataset.sources[0].dataset.data_prefix == dict(img='../toy_lvis/')
    aware = BENCH['benchmark_cfg']('aware', 3, 7, str(tmp_path), '/d/cross', '/d/toy_lvis', num_imgs=600)
    assert aware.model.roi_head.type == 'DatasetAwareRoIHead'
    assert [s.name for s in aware.train_dataloader.dataset.sources] == ['a', 'b']
    assert set(aware.val_evaluator.source_metrics) == {'a', 'b', 'a_unannotated', 'b_unannotated'}
    assert aware.model.roi_head.bbox_head.num_classes == 24
    assert aware.param_scheduler[0].end == 30  # a fifth of 150 iterations
    for run, head in (('separate_b', 'RetinaHead'), ('naive', 'RetinaHead'), ('aware', 'DatasetAwareRetinaHead')):
        retina = BENCH['benchmark_cfg'](run, 3, 7, str(tmp_path), '/d/cross', '/d/toy_lvis', 40, 'retinanet')
        assert retina.model.bbox_head.type == head
        assert retina.model.bbox_head.num_classes == (16 if run == 'separate_b' else 24)


def test_shares_argument():
    assert BENCH['parse_args'](['--shares', 'b=1,a=4']).shares == dict(a=4, b=1)
    assert BENCH['parse_args']([]).shares == dict(a=4, b=1)
    for bad in ('a=4', 'a=4,b=0', 'a=x,b=1', 'a=1,c=1'):
        try:
            BENCH['parse_args'](['--shares', bad])
        except SystemExit:
            continue
        raise AssertionError(f'--shares {bad} accepted')


def test_summary_keys_and_plot(tmp_path, capsys):
    """main() prints json.dumps of this summary as its last line; figures are means over the seeds."""
    results = {0: dict(separate_a=dict(a=40.0), separate_b=dict(b=30.0),
                       naive=dict(a=39.0, b=29.0, a_unannotated=5.0, b_unannotated=6.0),
                       aware=dict(a=41.0, b=28.5, a_unannotated=20.0, b_unannotated=22.0)),
               1: dict(separate_a=dict(a=42.0), separate_b=dict(b=30.0),
                       naive=dict(a=41.0, b=29.0, a_unannotated=7.0, b_unannotated=6.0),
                       aware=dict(a=43.0, b=28.5, a_unannotated=22.0, b_unannotated=24.0))}
    summary = BENCH['summarise'](results, 3, dict(a=480, b=120), 'retinanet')
    BENCH['plot'](summary, str(tmp_path / 'ap.png'))
    out = capsys.readouterr().out
    assert 'seeds [0, 1]' in out and '42.00 ± 1.41' in out  # aware on a: mean and sample sd
    last = json.loads(json.dumps(summary))
    for key in ('separate_AP', 'naive_AP', 'aware_AP', 'naive_unannotated_AP', 'aware_unannotated_AP'):
        assert set(last[key]) == {'a', 'b'}
    assert last['separate_AP'] == {'a': 41.0, 'b': 30.0}
    assert last['aware_over_separate'] == {'a': 1.024, 'b': 0.95}
    assert last['aware_unannotated_AP'] == {'a': 21.0, 'b': 23.0}
    assert last['train_images'] == {'a': 480, 'b': 120} and last['seeds'] == [0, 1]
    assert last['std']['aware_AP'] == {'a': 1.41, 'b': 0.0}  # drawn as error bars
    assert osp.getsize(tmp_path / 'ap.png') > 0


def test_seeds_argument():
    assert BENCH['parse_args'](['--seeds', '0,1,2']).seeds == [0, 1, 2]
    assert BENCH['parse_args']([]).seeds == [0, 1, 2] and BENCH['parse_args'](['--quick']).seeds == [0]
    assert BENCH['parse_args']([]).detector == 'retinanet'
    for bad in ('0,x', '1,1'):
        try:
            BENCH['parse_args'](['--seeds', bad])
        except SystemExit:
            continue
        raise AssertionError(f'--seeds {bad} accepted')
