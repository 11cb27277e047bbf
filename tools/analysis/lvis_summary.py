"""Print (and plot) the LVIS AP of the latest evaluation in a work directory.

    python tools/analysis/lvis_summary.py WORK_DIR [--no-plot]

Reads what mmengine's LoggerHook wrote for the newest run in ``WORK_DIR`` that evaluated with
``LVISMetric``: the metrics of ``tools/test.py`` (``WORK_DIR/<timestamp>/<timestamp>.json``) or the last
validation of ``tools/train.py`` (``WORK_DIR/<timestamp>/vis_data/scalars.json``, one JSON per line).
Prints AP, APr, APc, APf (and AP50/AP75/APs/APm/APl) for boxes and masks, and plots AP by frequency
group into ``WORK_DIR/lvis_ap_by_frequency.png``.
"""
import argparse
import glob
import json
import os.path as osp
import sys

PREFIX = 'lvis/'  # LVISMetric's default prefix
GROUPS = ('AP', 'APr', 'APc', 'APf')
EXTRA = ('AP50', 'AP75', 'APs', 'APm', 'APl')


def _records(path: str) -> list:
    """The JSON objects of a file holding one object, or one object per line."""
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


def latest_lvis_metrics(work_dir: str) -> tuple:
    """Return (path, metrics) of the newest LVIS evaluation logged in ``work_dir``."""
    if not osp.isdir(work_dir):
        raise FileNotFoundError(f'work directory {work_dir} does not exist')
    candidates = glob.glob(osp.join(work_dir, '*', '*.json')) + glob.glob(
        osp.join(work_dir, '*', 'vis_data', 'scalars.json'))
    for path in sorted(candidates, key=osp.getmtime, reverse=True):
        try:
            records = _records(path)
        except OSError:
            continue
        for metrics in reversed(records):
            if isinstance(metrics, dict) and f'{PREFIX}bbox_AP' in metrics:
                return path, metrics
    raise FileNotFoundError(f'no LVIS metrics found in {work_dir}: train with an LVISMetric evaluator or '
                            'run tools/test.py first')


def table(metrics: dict) -> list:
    """Rows (iou_type, {metric: value}) for the IoU types present (bbox, segm)."""
    rows = []
    for iou_type in ('bbox', 'segm'):
        values = {k: metrics.get(f'{PREFIX}{iou_type}_{k}') for k in GROUPS + EXTRA}
        if values['AP'] is not None:
            rows.append((iou_type, values))
    return rows


def plot(rows: list, out_file: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5, 3.2))
    width = 0.8 / len(rows)
    for i, (iou_type, values) in enumerate(rows):
        xs = [j + i * width for j in range(len(GROUPS))]
        ax.bar(xs, [values[g] or 0.0 for g in GROUPS], width, label=iou_type)
    ax.set_xticks([j + width * (len(rows) - 1) / 2 for j in range(len(GROUPS))], GROUPS)
    ax.set_ylabel('AP')
    ax.set_title('LVIS AP by frequency group (r: rare, c: common, f: frequent)', fontsize=9)
    ax.legend()
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
