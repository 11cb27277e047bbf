"""Plot the result of tools/benchmarks/tsd.py: box AP of each variant, and the NMS time ratios.

    python tools/benchmarks/tsd.py | tee tsd.log
    python tools/analysis/tsd_summary.py tsd.log --out configs/tsd/toy_tsd_benchmark.png

The input is the benchmark's printed output saved to a file (its last line is the JSON summary), or that line
alone. Left: box AP (%) of Shared2FC vs TSD, of the Shared2FC model under NMS, soft-NMS and adj-NMS, and of the
best single seed vs the box-voting ensemble. Right: time of mmx's soft-NMS and adj-NMS over mmcv's compiled
soft-NMS per case (boxes x classes; below 1 is faster). Prints the figures as a table too.
"""
import argparse
import json
from typing import List, Optional

AP_BARS = (('shared2fc_AP', 'Shared2FC'), ('tsd_AP', 'TSD'), ('nms_AP', 'NMS'), ('soft_nms_AP', 'soft-NMS'),
           ('adj_nms_AP', 'adj-NMS'), ('single_best_AP', 'best seed'), ('ensemble_AP', 'ensemble'))


def read_summary(path: str) -> dict:
    """The benchmark's JSON summary: the last line of the file that parses as a JSON object with its keys."""
    with open(path) as f:
        lines = [line.strip() for line in f if line.strip()]
    for line in reversed(lines):
        if line.startswith('{'):
            try:
                summary = json.loads(line)
            except json.JSONDecodeError:
                continue
            if all(key in summary for key, _ in AP_BARS):
                return summary
    raise ValueError(f'{path}: no summary line of tools/benchmarks/tsd.py (keys {[k for k, _ in AP_BARS]})')


def plot(summary: dict, out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    speed = summary.get('nms_speed', [])
    fig, axes = plt.subplots(1, 2 if speed else 1, figsize=(11 if speed else 6, 4), squeeze=False)
    ax = axes[0, 0]
    values = [summary[k] for k, _ in AP_BARS]
    colors = ['#999999', '#1f77b4', '#999999', '#ff7f0e', '#2ca02c', '#999999', '#d62728']
    ax.bar(range(len(values)), values, color=colors)
    ax.set_xticks(range(len(values)), [label for _, label in AP_BARS], rotation=30, ha='right')
    for i, v in enumerate(values):
        ax.text(i, v, f'{v:.1f}', ha='center', va='bottom', fontsize=8)
    ax.set_ylabel('box AP (%)')
    ax.set_title('toy LVIS val: head, post-processing, ensemble')
    if speed:
        ax = axes[0, 1]
        labels = [f'{r["boxes"] // 1000}k x {r["classes"]}' for r in speed]
        x = range(len(speed))
        ax.bar([i - 0.2 for i in x], [r['soft_ratio'] for r in speed], width=0.4, label='mmx soft-NMS')
        ax.bar([i + 0.2 for i in x], [r['adj_ratio'] for r in speed], width=0.4, label='mmx adj-NMS')
        ax.axhline(1.0, color='k', lw=0.8, ls='--')
        ax.set_xticks(list(x), labels)
        ax.set_xlabel('boxes x classes')
        ax.set_ylabel('time / mmcv soft_nms (CPU)')
        ax.set_title('Gaussian soft-NMS speed (lower is faster)')
        ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> dict:
    parser = argparse.ArgumentParser(description='Plot the TSD benchmark summary.')
    parser.add_argument('log', help="tools/benchmarks/tsd.py's output saved to a file")
    parser.add_argument('--out', default='tsd_benchmark.png', help='image to write (default tsd_benchmark.png)')
    args = parser.parse_args(argv)
    summary = read_summary(args.log)
    for key, label in AP_BARS:
        print(f'{label:<12} {summary[key]:6.2f}')
    for key in ('tsd_step_ratio', 'soft_nms_vs_mmcv_time_ratio', 'adj_nms_vs_mmcv_soft_nms_time_ratio'):
        print(f'{key:<38} {summary.get(key, float("nan")):.3f}')
    plot(summary, args.out)
    print(f'wrote {args.out}')
    return summary


if __name__ == '__main__':
    main()
