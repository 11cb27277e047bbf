"""Print (and plot) the LVIS AP of the latest evaluation in a work directory.

    python tools/analysis/lvis_summary.py WORK_DIR [--no-plot]

Reads what mmengine's LoggerHook wrote for the newest run in ``WORK_DIR`` that evaluated with
``LVISMetric``: the metrics of ``tools/test.py`` (``WORK_DIR/<timestamp>/<timestamp>.json``) or the last
validation of ``tools/train.py`` (``WORK_DIR/<timestamp>/vis_data/scalars.json``, one JSON per line).
Prints AP, APr, APc, APf (and AP50/AP75/APs/APm/APl) for boxes and masks, and plots AP by frequency
group into ``WORK_DIR/lvis_ap_by_frequency.png``. ``tools/analysis/lvis_ap_groups.py`` compares several runs.
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

PREFIX = 'lvis/'  # LVISMetric's default prefix
GROUPS = ('AP', 'APr', 'APc', 'APf')
EXTRA = ('AP50', 'AP75', 'APs', 'APm', 'APl')
IOU_TYPES = ('bbox', 'segm')


def read_records(path: str) -> list:
    """The JSON values of a file holding one JSON value, or one per line (lines that are not JSON are
    skipped, so that a log whose last line is a JSON object can be read too)."""
    with open(path) as f:
        text = f.read()
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        records = []
        for line in text.splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return records


def is_lvis_metrics(record) -> bool:
    """Whether a JSON value is a dict of LVISMetric results (``lvis/bbox_AP``, ``lvis/segm_APr``, ...)."""
    return isinstance(record, dict) and any(f'{PREFIX}{t}_AP' in record for t in IOU_TYPES)


def lvis_metrics_in_file(path: str) -> Optional[dict]:
    """The last LVIS metrics dict in a JSON file, or None if it holds none."""
    for record in reversed(read_records(path)):
        if is_lvis_metrics(record):
            return record
    return None


def latest_lvis_metrics(work_dir: str) -> Tuple[str, dict]:
    """Return (path, metrics) of the newest LVIS evaluation logged in ``work_dir``."""
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work directory {work_dir} does not exist')
    candidates = glob.glob(osp.join(work_dir, '*', '*.json')) + glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    for path in sorted(candidates, key=osp.getmtime, reverse=True):
        try:
            metrics = lvis_metrics_in_file(path)
        except (OSError, UnicodeDecodeError):
            continue
        if metrics is not None:
            return path, metrics
    raise FileNotFoundError(f'no LVIS metrics found in {work_dir}: train with an LVISMetric evaluator or '
                            'run tools/test.py first')


def group_values(metrics: dict, iou_type: str, keys=GROUPS) -> Optional[Dict[str, Optional[float]]]:
    """{key: value} of one IoU type (bbox, segm), None where a key is missing; None if the type's AP is
    missing."""
    values = {k: metrics.get(f'{PREFIX}{iou_type}_{k}') for k in keys}
    return values if values.get('AP') is not None else None


def table(metrics: dict) -> list:
    """Rows (iou_type, {metric: value}) for the IoU types present (bbox, segm)."""
    rows = []
    for iou_type in IOU_TYPES:
        values = group_values(metrics, iou_type, GROUPS + EXTRA)
        if values is not None:
            rows.append((iou_type, values))
    return rows


def plot(series: List[Tuple[str, Dict[str, Optional[float]]]], out_file: str,
         title: str = 'LVIS AP by frequency group (r: rare, c: common, f: frequent)', ylabel: str = 'AP',
         value_format: Optional[str] = None) -> None:
    """Grouped bar chart: one group of bars per frequency group (AP, APr, APc, APf), one bar per series
    (label, {group: value}). A missing or negative value (LVIS's -1: no category of that group) gets no bar,
    only an 'n/a' mark. ``value_format`` (e.g. '{:.1f}') writes the values above the bars."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 + 0.5 * len(series) * len(GROUPS)), 3.4))
    width = 0.8 / len(series)
    for i, (label, values) in enumerate(series):
        xs = [j + i * width for j in range(len(GROUPS))]
        heights = [v if v is not None and v >= 0 else 0.0 for v in (values.get(g) for g in GROUPS)]
        bars = ax.bar(xs, heights, width, label=label)
        for bar, group in zip(bars, GROUPS):
            value = values.get(group)
            missing = value is None or value < 0
            if missing or value_format:
                ax.annotate('n/a' if missing else value_format.format(value),
                            (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha='center', va='bottom',
                            fontsize=7, xytext=(0, 1), textcoords='offset points')
    ax.set_xticks([j + width * (len(series) - 1) / 2 for j in range(len(GROUPS))], GROUPS)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_file, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument('work_dir')
    parser.add_argument('--no-plot', action='store_true')
    args = parser.parse_args(argv)
    path, metrics = latest_lvis_metrics(args.work_dir)
    rows = table(metrics)
    print(f'LVIS results from {path}')
    print('type  ' + ''.join(f'{k:>7}' for k in GROUPS + EXTRA))
    for iou_type, values in rows:
        # LVIS reports -1 for a group with no category (e.g. APl when every object is small)
        cells = [f'{v:>7.3f}' if v is not None and v >= 0 else f'{"-":>7}'
                 for v in (values[k] for k in GROUPS + EXTRA)]
        print(f'{iou_type:<6}' + ''.join(cells))
    if not args.no_plot:
        out_file = osp.join(args.work_dir, 'lvis_ap_by_frequency.png')
        plot(rows, out_file)
        print(f'plot: {out_file}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
