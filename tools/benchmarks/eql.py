"""The miniature EQL / EQLv2 benchmark: softmax CE vs EQL vs EQLv2 on the toy long-tailed LVIS data.

    python tools/benchmarks/eql.py                # 8 epochs per loss, mask AP (about an hour on 2 CPU cores)
    python tools/benchmarks/eql.py --quick        # 1 epoch per loss, box AP (a few minutes)
    python tools/benchmarks/eql.py --losses ce bce eql eqlv2   # also plain sigmoid CE (EQL with no tail)

Trains the tiny Mask R-CNN of ``configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py`` with mmdet's default
softmax cross-entropy, and the same model with ``configs/eql/mask-rcnn_r18-tiny_fpn_eql{,v2}_3e_toy-lvis.py``,
for the same schedule (the toy configs' learning rate and warm-up, ``--epochs`` epochs, one decay before the
last one) and seed, then evaluates each on the toy validation split with ``LVISMetric``. The full run trains
longer than the configs' 3 epochs: at 3 epochs the tiny detector is far from converged (box AP 40 vs 70 at 8
epochs for CE), and the sigmoid classifiers, which start from a 0.001 prior, are the slower to converge. Shows
progress bars, then prints AP, APr, APc, APf per loss and the median training-iteration time of each loss
relative to CE (same process, same model), and, as the last line, one JSON object::

    {"ce": {"AP": .., "APr": .., "APc": .., "APf": ..}, "eql": {...}, "eqlv2": {...},
     "step_time_ratio": {"eql": .., "eqlv2": ..}, "metric": "segm"}

``tools/analysis/lvis_ap_groups.py`` plots that line (saved to a file) as AP per frequency group.
"""
import argparse
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'ce': 'configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py',
    'eql': 'configs/eql/mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py',
    'eqlv2': 'configs/eql/mask-rcnn_r18-tiny_fpn_eqlv2_3e_toy-lvis.py',
    # optional: EQL's sigmoid classifier with an empty tail (w_ij = 1), i.e. plain sigmoid cross-entropy,
    # which separates the effect of EQL's masking from that of the sigmoid classifier
    'bce': 'configs/eql/mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py',
}
LOSS_OVERRIDES = {'bce': dict(lambda_=0.0, tail_ratio=None, tail_groups=None)}
DEFAULT_LOSSES = ('ce', 'eql', 'eqlv2')
GROUPS = ('AP', 'APr', 'APc', 'APf')
FULL_EPOCHS = 8
QUICK_EPOCHS = 1
WARMUP_ITERS = 10  # iterations left out of the step-time median (first-call allocation, caches)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Softmax CE vs EQL vs EQLv2 on the toy LVIS data.')
    parser.add_argument('--quick', action='store_true',
                        help=f'{QUICK_EPOCHS} epoch per loss and box AP, instead of {FULL_EPOCHS} epochs and mask AP')
    parser.add_argument('--epochs', type=int, help='epochs per loss (overrides --quick)')
    parser.add_argument('--metric', choices=('segm', 'bbox'),
                        help='mask (segm) or box (bbox) AP; default segm, bbox with --quick')
    parser.add_argument('--seed', type=int, default=0, help='training seed (default: 0)')
    parser.add_argument('--losses', nargs='+', choices=list(CONFIGS), default=list(DEFAULT_LOSSES),
                        help=f'losses to train (default: {" ".join(DEFAULT_LOSSES)})')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_eql'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'toy_lvis'),
                        help='toy LVIS folder (generated if missing)')
    return parser.parse_args(argv)


class ProgressHook(Hook):
    """A progress bar over the training iterations, then one over the validation batches (the benchmark
    sets mmengine's log level to WARNING to keep its own output readable)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bar = None

    def before_train(self, runner) -> None:
        print(f'[{self.name}] training, {runner.max_iters} iterations', flush=True)
        self.bar = ProgressBar(runner.max_iters)

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.bar.update()

    def before_val_epoch(self, runner) -> None:
        print(f'\n[{self.name}] evaluating, {len(runner.val_dataloader)} batches', flush=True)
        self.bar = ProgressBar(len(runner.val_dataloader))

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.bar.update()

    def after_val_epoch(self, runner, metrics=None) -> None:
        print(flush=True)


def benchmark_cfg(name: str, epochs: int, metric: str, seed: int, work_dir: str, data_root: str):
    """The config of one loss's run: the toy config with the benchmark's schedule, seed, data and metric."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[name]))
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'benchmark_eql_{name}'
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    # the validation runs once, explicitly, after training
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1
    cfg.param_scheduler[1].update(end=epochs, milestones=[max(epochs - 1, 1)])
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    data_root = data_root.rstrip('/') + '/'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
    cfg.val_evaluator.ann_file = data_root + 'annotations/lvis_v1_val.json'
    cfg.val_evaluator.metric = metric
    cfg.test_evaluator = cfg.val_evaluator
    loss_cls = cfg.model.roi_head.bbox_head.loss_cls
    loss_cls.update(LOSS_OVERRIDES.get(name, {}))
    if 'ann_file' in loss_cls:
        loss_cls.ann_file = data_root + 'annotations/lvis_v1_train.json'
    return cfg


def run_one(cfg, name: str, metric: str) -> Dict[str, float]:
    """Train and evaluate one loss; return its AP by group (in %) and its median iteration time (s)."""
    from mmengine.runner import Runner

    runner = Runner.from_cfg(cfg)
    runner.register_hook(ProgressHook(name), priority='VERY_LOW')
    runner.train()
    times = runner.message_hub.get_scalar('train/time').data[0]
    metrics = runner.val_loop.run()
    result = {g: 100 * float(metrics[f'lvis/{metric}_{g}']) for g in GROUPS}
    result['step_time'] = statistics.median(times[WARMUP_ITERS:] if len(times) > 2 * WARMUP_ITERS else times)
    return result


def summarise(results: Dict[str, Dict[str, float]], run: str, metric: str) -> dict:
    """Print the table and, as the last line, the JSON summary (AP in %, step times relative to CE)."""
    kind = 'mask' if metric == 'segm' else 'box'
    print(f'\nToy LVIS v1 val, {run}: {kind} AP (%)')
    print(f'{"loss":<8}' + ''.join(f'{g:>8}' for g in GROUPS) + f'{"step time / CE":>16}')
    summary = {}
    base_time = results['ce']['step_time'] if 'ce' in results else None
    for name, result in results.items():
        summary[name] = {g: round(result[g], 2) for g in GROUPS}
        ratio = result['step_time'] / base_time if base_time else float('nan')
        print(f'{name:<8}' + ''.join(f'{result[g]:>8.2f}' for g in GROUPS) + f'{ratio:>16.3f}')
    summary['step_time_ratio'] = {
        name: round(results[name]['step_time'] / base_time, 3)
        for name in results if name != 'ce' and base_time}
    summary['metric'] = metric
    print(json.dumps(summary))
    return summary


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmx.det.datasets import generate_toy_lvis

    generate_toy_lvis(args.data)
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    metric = args.metric or ('bbox' if args.quick else 'segm')
    results = {
        name: run_one(benchmark_cfg(name, epochs, metric, args.seed, args.work_dir, args.data), name, metric)
        for name in args.losses
    }

    return summarise(results, f'tiny Mask R-CNN, {epochs} epoch(s), seed {args.seed}', metric)


if __name__ == '__main__':
    main()
