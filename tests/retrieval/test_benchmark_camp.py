"""tools/benchmarks/camp.py end to end on a tiny toy set and 1 x 2 paper-size pairs: the JSON keys, exact scores."""
import json
import os.path as osp
import runpy

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
KEYS = ('camp_rsum', 'vse_rsum', 'two_stage_rsum', 'chunked_vs_naive_speedup', 'max_abs_diff')


def test_benchmark_runs_and_prints_the_keys(tmp_path, capsys):
    from mmx.retrieval import generate_toy_retrieval
    data = str(tmp_path / 'toy')
    generate_toy_retrieval(data, dict(train=2, dev=1, test=3))  # 12 test images: every k of the table fits
    tool = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'camp.py'), run_name='camp_benchmark')
    summary = tool['main'](['--epochs', '1', '--data-root', data, '--work-dir', str(tmp_path / 'work'),
                            '--speed-pairs', '1', '2'])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == json.loads(json.dumps(summary))
    for key in KEYS:
        assert isinstance(last[key], float), key
    assert last['max_abs_diff'] <= 1e-5 and last['chunked_vs_naive_speedup'] > 0
    assert 0 <= last['camp_rsum'] <= 600 and 0 <= last['vse_rsum'] <= 600
    assert osp.isfile(tmp_path / 'work' / 'camp_benchmark.png')
