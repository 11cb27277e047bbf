"""tools/analysis/lvis_ap_groups.py (and the reading it shares with lvis_summary.py): runs from work
directories, mmengine metrics files and benchmark summaries side by side, the printed table, the PNG, and
bad input."""
import json
import os
import os.path as osp
import runpy

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'analysis', 'lvis_ap_groups.py'), run_name='lvis_ap_groups')
SUMMARY = runpy.run_path(osp.join(ROOT, 'tools', 'analysis', 'lvis_summary.py'), run_name='lvis_summary')
GROUPS = ('AP', 'APr', 'APc', 'APf')


def lvis_metrics(bbox, segm=None) -> dict:
    """LVISMetric's keys for the given (AP, APr, APc, APf) fractions."""
    metrics = {f'lvis/bbox_{g}': v for g, v in zip(GROUPS, bbox)}
    if segm is not None:
        metrics.update({f'lvis/segm_{g}': v for g, v in zip(GROUPS, segm)})
    return metrics


def write_metrics_file(tmp_path, metrics: dict = None, work: str = 'run', stamp: str = '20261126_120000') -> str:
    """Write ``metrics`` as tools/test.py does: WORK/<timestamp>/<timestamp>.json."""
    folder = tmp_path / work / stamp
    folder.mkdir(parents=True)
    path = folder / f'{stamp}.json'
    path.write_text(json.dumps(metrics))
    return str(path)


def write_scalars(tmp_path, work: str, records: list) -> str:
    """Write mmengine's WORK/<timestamp>/vis_data/scalars.json (one JSON per line) and return WORK."""
    folder = tmp_path / work / '20261126_130000' / 'vis_data'
    folder.mkdir(parents=True)
    (folder / 'scalars.json').write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    return str(tmp_path / work)


BENCHMARK = {'ce': {'AP': 36.3, 'APr': 19.0, 'APc': 34.0, 'APf': 63.2},
             'eql': {'AP': 29.1, 'APr': 10.6, 'APc': 23.8, 'APf': 62.6},
             'step_time_ratio': {'eql': 0.956}}


def table_rows(out: str) -> dict:
    """{label: [cells]} of the printed table."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ['run'])
    rows = {}
    for line in lines[start + 1:]:
        if line.startswith('plot:'):
            break
        label, *cells = line.split()
        rows[label] = cells
    return rows


def test_runs_side_by_side(tmp_path, capsys):
    # a work dir evaluated by tools/test.py, one whose last validation is in scalars.json, and the benchmark's
    # printed output (text, then its JSON summary as the last line)
    work_a = osp.dirname(osp.dirname(write_metrics_file(
        tmp_path, lvis_metrics((0.399, 0.179, 0.393, 0.702), (0.363, 0.19, 0.34, 0.632)), work='ce_run')))
    work_b = write_scalars(tmp_path, 'eql_run', [
        {'loss': 1.2, 'step': 10},
        lvis_metrics((0.1, 0.0, 0.1, 0.2), (0.05, 0.01, 0.02, 0.03)) | {'step': 1},  # an earlier validation
        {'loss': 0.9, 'step': 20},
        lvis_metrics((0.3, -1.0, 0.25, 0.5), (0.281, -1.0, 0.2, 0.45)) | {'step': 2},
    ])
    bench = tmp_path / 'bench.log'
    bench.write_text('Toy LVIS v1 val ...\nloss      AP\n' + json.dumps(BENCHMARK) + '\n')
    out_png = tmp_path / 'groups.png'

    runs = TOOL['main']([work_a, work_b, str(bench), '--metric', 'segm', '--out', str(out_png)])
    assert [label for label, _ in runs] == ['ce_run', 'eql_run', 'ce', 'eql']
    assert runs[0][1] == pytest.approx(dict(AP=36.3, APr=19.0, APc=34.0, APf=63.2))
    assert runs[1][1]['APr'] is None  # LVIS's -1: no rare category in the evaluated images
    assert runs[1][1]['AP'] == pytest.approx(28.1)  # the last validation, not the first
    assert runs[3][1] == BENCHMARK['eql']

    printed = capsys.readouterr().out
    assert 'LVIS segm AP (%)' in printed
    assert table_rows(printed) == {
        'ce_run': ['36.3', '19.0', '34.0', '63.2'],
        'eql_run': ['28.1', '-', '20.0', '45.0'],
        'ce': ['36.3', '19.0', '34.0', '63.2'],
        'eql': ['29.1', '10.6', '23.8', '62.6'],
    }
    with open(out_png, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'
    import matplotlib.image
    height, width = matplotlib.image.imread(str(out_png)).shape[:2]
    assert height > 100 and width > 100


def test_metrics_file_labels_and_box_ap(tmp_path, capsys):
    path = write_metrics_file(tmp_path, lvis_metrics((0.25, 0.125, 0.2, 0.3)), work='faster_eql')
    other = tmp_path / 'loose.json'
    other.write_text(json.dumps(lvis_metrics((0.5, 0.5, 0.5, 0.5))))
    out_png = tmp_path / 'box.png'
    runs = TOOL['main']([path, str(other), '--metric', 'bbox', '--out', str(out_png)])
    # the work directory's name for a file in mmengine's layout, else the file's name
    assert [label for label, _ in runs] == ['faster_eql', 'loose']
    assert runs[0][1] == pytest.approx(dict(AP=25.0, APr=12.5, APc=20.0, APf=30.0))
    assert 'LVIS bbox AP (%)' in capsys.readouterr().out
    runs = TOOL['main']([path, str(other), '--metric', 'bbox', '--labels', 'A', 'B', '--out', str(out_png)])
    assert [label for label, _ in runs] == ['A', 'B']
    assert table_rows(capsys.readouterr().out) == {'A': ['25.0', '12.5', '20.0', '30.0'],
                                                   'B': ['50.0', '50.0', '50.0', '50.0']}
    assert osp.getsize(out_png) > 0


@pytest.mark.parametrize('case, message', [
    ('missing', 'is neither a work directory nor a file'),
    ('empty_dir', 'no LVIS metrics found in'),
    ('not_lvis', 'holds no LVIS metrics'),
    ('not_json', 'holds no LVIS metrics'),
    ('box_only', 'has no LVIS segm AP (it has: bbox); choose --metric bbox'),
    ('benchmark_bbox', 'summary of segm AP only: use --metric segm'),
    ('labels', '3 labels for 2 runs: ce, eql'),
    ('out_dir', 'the folder of --out does not exist'),
    ('out_ext', '--out must name a .png file'),
])
def test_bad_input(tmp_path, capsys, case, message):
    bench = tmp_path / 'bench.json'
    bench.write_text(json.dumps(BENCHMARK))
    (tmp_path / 'x.json').write_bytes(b'\x00\xff garbage')
    (tmp_path / 'empty' / 'run').mkdir(parents=True)  # a work directory without any log
    args = {
        'missing': lambda: [str(tmp_path / 'nope')],
        'empty_dir': lambda: [str(tmp_path / 'bench.json'), str(tmp_path / 'empty')],
        'not_lvis': lambda: [write_metrics_file(tmp_path, {'coco/bbox_mAP': 0.3})],
        'not_json': lambda: [str(tmp_path / 'x.json')],
        'box_only': lambda: [write_metrics_file(tmp_path, lvis_metrics((0.1, 0.1, 0.1, 0.1)))],
        'benchmark_bbox': lambda: [str(bench), '--metric', 'bbox'],
        'labels': lambda: [str(bench), '--labels', 'a', 'b', 'c'],
        'out_dir': lambda: [str(bench), '--out', str(tmp_path / 'no' / 'dir.png')],
        'out_ext': lambda: [str(bench), '--out', str(tmp_path / 'plot.pdf')],
    }[case]()
    with pytest.raises(SystemExit) as error:
        TOOL['main'](args + ([] if '--out' in args else ['--out', str(tmp_path / 'p.png')]))
    assert error.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / 'p.png').exists()


def test_lvis_summary_reads_the_newest_evaluation(tmp_path, capsys):
    old = write_metrics_file(tmp_path, lvis_metrics((0.1, 0.1, 0.1, 0.1)), stamp='20261126_100000')
    new = write_metrics_file(tmp_path, lvis_metrics((0.2, -1.0, 0.3, 0.4), (0.15, 0.1, 0.2, 0.3)),
                            stamp='20261126_110000')
    os.utime(old, (1, 1))
    work = osp.dirname(osp.dirname(new))
    assert SUMMARY['latest_lvis_metrics'](work)[0] == new
    assert SUMMARY['main']([work]) == 0
    printed = capsys.readouterr().out
    bbox = next(line for line in printed.splitlines() if line.startswith('bbox'))
    assert bbox.split()[1:5] == ['0.200', '-', '0.300', '0.400']
    assert osp.getsize(osp.join(work, 'lvis_ap_by_frequency.png')) > 0


def test_benchmark_summary_names_its_metric(tmp_path):
    """A --quick benchmark summary holds box AP ("metric": "bbox"): read with --metric bbox, refused with segm."""
    bench = tmp_path / 'quick.json'
    bench.write_text(json.dumps(dict(BENCHMARK, metric='bbox')))
    runs = TOOL['main']([str(bench), '--metric', 'bbox', '--out', str(tmp_path / 'q.png')])
    assert [label for label, _ in runs] == ['ce', 'eql']
    with pytest.raises(SystemExit):
        TOOL['main']([str(bench), '--metric', 'segm', '--out', str(tmp_path / 'q.png')])
