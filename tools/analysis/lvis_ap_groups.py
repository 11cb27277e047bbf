"""Compare runs by LVIS AP per frequency group (AP, APr, APc, APf): a table and a grouped bar chart.

    python tools/analysis/lvis_ap_groups.py RUN [RUN ...] [--labels NAME ...] [--metric {bbox,segm}]
        [--out ap_groups.png]

Each RUN is one of
- a work directory: its newest LVISMetric evaluation, found as tools/analysis/lvis_summary.py finds it;
- a metrics JSON file of mmengine: ``WORK_DIR/<timestamp>/<timestamp>.json`` written by tools/test.py, or
  ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (its last validation); keys ``lvis/bbox_APr`` ...;
- the summary of tools/benchmarks/eql.py, ``{"ce": {"AP": .., "APr": ..}, "eql": {...}, ..., "metric": "segm"}``,
  or its whole printed output saved to a file (the summary is its last line): one run per loss. It holds the
  AP of one metric (its ``metric`` key; mask AP when the key is absent), which ``--metric`` must name.
AP is shown in % (mmengine's fractions are multiplied by 100). A group without any category in the evaluated
images (LVIS's -1) is shown as '-' and gets no bar. The default labels are the work directories' names and
the benchmark's keys.
"""
import argparse
import os.path as osp
import re
import sys
from typing import Dict, List, Optional, Tuple

# the reading and plotting code of the single-run summary
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from lvis_summary import (  # noqa: E402
    GROUPS,
    group_values,
    is_lvis_metrics,
    latest_lvis_metrics,
    plot,
    read_records,
)

Run = Tuple[str, Dict[str, Optional[float]]]  # (label, {group: AP in %, None if the group has no category})
TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')  # mmengine's run folders, e.g. 20261126_153012


def run_name(path: str) -> str:
    """The work directory's name of a file in mmengine's layout (``WORK_DIR/<timestamp>[/vis_data]/x.json``),
    else the file's name without extension."""
    folder = osp.dirname(osp.abspath(path))
    if osp.basename(folder) == 'vis_data':
        folder = osp.dirname(folder)
    if TIMESTAMP.match(osp.basename(folder)):
        return osp.basename(osp.dirname(folder))
    return osp.splitext(osp.basename(path))[0]


def percent(values: Dict[str, Optional[float]], scale: float) -> Dict[str, Optional[float]]:
    return {g: None if values.get(g) is None or values[g] < 0 else values[g] * scale for g in GROUPS}


def lvis_run(label: str, metrics: dict, metric: str, source: str) -> Run:
    values = group_values(metrics, metric)
    if values is None:
        present = [t for t in ('bbox', 'segm') if group_values(metrics, t) is not None]
        raise ValueError(f'{source} has no LVIS {metric} AP (it has: {", ".join(present)}); '
                         f'choose --metric {present[0]}')
    return label, percent(values, 100.0)


def benchmark_runs(record, metric: str, source: str) -> Optional[List[Run]]:
    """The runs of a tools/benchmarks/eql.py summary, or None if ``record`` is not one."""
    if not isinstance(record, dict):
        return None
    runs = [(key, value) for key, value in record.items()
            if isinstance(value, dict) and all(isinstance(value.get(g), (int, float)) for g in GROUPS)]
    if not runs:
        return None
    held = record.get('metric', 'segm')  # summaries without the key (the first version) hold mask AP
    if metric != held:
        raise ValueError(f'{source} is a benchmark summary of {held} AP only: use --metric {held}')
    return [(key, percent(values, 1.0)) for key, values in runs]


def read_runs(path: str, metric: str) -> List[Run]:
    """The runs that one input (work directory, metrics JSON or benchmark summary) holds."""
    if osp.isdir(path):
        source, metrics = latest_lvis_metrics(path)
        return [lvis_run(osp.basename(osp.normpath(path)), metrics, metric, source)]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} is neither a work directory nor a file')
    try:
        records = read_records(path)
    except UnicodeDecodeError:
        records = []
    for record in reversed(records):
        if is_lvis_metrics(record):
            return [lvis_run(run_name(path), record, metric, path)]
        runs = benchmark_runs(record, metric, path)
        if runs is not None:
            return runs
    raise ValueError(f'{path} holds no LVIS metrics (keys such as lvis/{metric}_AP) and no benchmark summary '
                     '({"<run>": {"AP": .., "APr": .., "APc": .., "APf": ..}, ...})')


def format_table(runs: List[Run], metric: str) -> str:
    width = max(len('run'), *(len(label) for label, _ in runs))
    lines = [f'LVIS {metric} AP (%)', f'{"run":<{width}}' + ''.join(f'{g:>8}' for g in GROUPS)]
    for label, values in runs:
        lines.append(f'{label:<{width}}' + ''.join(f'{"-":>8}' if values[g] is None else f'{values[g]:>8.1f}'
                                                   for g in GROUPS))
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> List[Run]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('runs', nargs='+', metavar='RUN', help='work directory or JSON file')
    parser.add_argument('--labels', nargs='+',
                        help='one name per run, in order (a benchmark file holds several runs)')
    parser.add_argument('--metric', choices=('bbox', 'segm'), default='segm',
                        help='box or mask AP (default: segm)')
    parser.add_argument('--out', default='lvis_ap_groups.png', help='the PNG to write (default %(default)s)')
    args = parser.parse_args(argv)
    try:
        runs = [run for path in args.runs for run in read_runs(path, args.metric)]
    except (OSError, ValueError) as error:
        parser.error(str(error))
    if args.labels is not None:
        if len(args.labels) != len(runs):
            parser.error(f'{len(args.labels)} labels for {len(runs)} runs: ' +
                         ', '.join(label for label, _ in runs))
        runs = [(label, values) for label, (_, values) in zip(args.labels, runs)]
    if not args.out.lower().endswith('.png'):
        parser.error(f'--out must name a .png file, got {args.out}')
    out_dir = osp.dirname(osp.abspath(args.out))
    if not osp.isdir(out_dir):
        parser.error(f'the folder of --out does not exist: {out_dir}')

    print(format_table(runs, args.metric))
    kind = 'box' if args.metric == 'bbox' else 'mask'
    title = f'LVIS {kind} AP by frequency group (r: rare, c: common, f: frequent)'
    plot(runs, args.out, title=title, ylabel='AP (%)', value_format='{:.1f}')
    print(f'plot: {args.out}')
    return runs


if __name__ == '__main__':
    main()
