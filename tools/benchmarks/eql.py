"""The miniature EQL / EQLv2 benchmark: softmax CE vs EQL vs EQLv2 on the toy long-tailed LVIS data.

    python tools/benchmarks/eql.py                # 8 epochs per loss, mask AP (about an hour on 2 CPU cores)
    python tools/benchmarks/eql.py --quick        # 1 epoch per loss, box AP (a few minutes)
    python tools/benchmarks/eql.py --losses ce bce eql eqlv2   # also plain sigmoid CE (EQL with no tail)
    python tools/benchmarks/eql.py --reuse        # reuse the trained runs in --work-dir, time the steps again

Trains the tiny Mask R-CNN of ``configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py`` with mmdet's default
softmax cross-entropy, and the same model with ``configs/eql/mask-rcnn_r18-tiny_fpn_eql{,v2}_3e_toy-lvis.py``,
for the same schedule (the toy configs' learning rate and warm-up, ``--epochs`` epochs, one decay before the
last one) and seed, then evaluates each on the toy validation split with ``LVISMetric``. The full run trains
longer than the configs' 3 epochs: at 3 epochs the tiny detector is far from converged (box AP 40 vs 70 at 8
epochs for CE), and the sigmoid classifiers, which start from a 0.001 prior, are the slower to converge. Shows
progress bars, then prints AP, APr, APc, APf per loss and the training-step time of each loss relative to CE:
the median over the same batches, the trained models stepping in turn in one process, so that a change of
load on the machine weighs on every loss alike. The last line is one JSON object::

    {"ce": {"AP": .., "APr": .., "APc": .., "APf": ..}, "eql": {...}, "eqlv2": {...},
     "step_time_ratio": {"eql": .., "eqlv2": ..}, "metric": "segm"}

``tools/analysis/lvis_ap_groups.py`` plots that line (saved to a file) as AP per frequency group.
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time
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
TIMING_BATCHES = 8  # training batches that every loss's model steps through, in turn
TIMING_ROUNDS = 4  # passes over them; the first one is a warm-up


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
    parser.add_argument('--reuse', action='store_true',
                        help='load the runs of the same schedule and seed found in --work-dir instead of '
                             'training them again (their AP as logged; the step times are measured anew)')
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
        self.metrics = None  # of the last evaluation

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
        self.metrics = metrics
        print(flush=True)


def benchmark_cfg(name: str, epochs: int, metric: str, seed: int, work_dir: str, data_root: str):
    """The config of one loss's run: the toy config with the benchmark's schedule, seed, data and metric."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[name]))
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'benchmark_eql_{name}'
    # mmengine's visualizer is a process-wide instance per name: a name per run keeps each run's scalars
    # (training losses, the evaluation) in its own work directory
    cfg.visualizer.name = f'benchmark_eql_{name}'
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    # one evaluation, after the last epoch (mmengine's loop always validates after the last epoch)
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
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


def train_or_reuse(cfg, name: str, reuse: bool = False):
    """Train one run (its last epoch is evaluated) or, with ``reuse``, evaluate the last checkpoint of a run of
    the same schedule and seed already in ``cfg.work_dir``; return the runner and the evaluation's metrics.
    Shared with the cross-dataset benchmark."""
    from mmengine.runner import Runner
    from mmengine.runner.checkpoint import _load_checkpoint

    checkpoint = osp.join(cfg.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    reusing = reuse and osp.isfile(checkpoint)
    if reusing:
        meta = _load_checkpoint(checkpoint, map_location='cpu').get('meta', {})  # mmx's safe loading
        if meta.get('seed') != cfg.randomness.seed or meta.get('epoch') != cfg.train_cfg.max_epochs:
            raise ValueError(f'{checkpoint} is from another run (seed {meta.get("seed")}, epoch '
                             f'{meta.get("epoch")}); run without --reuse')
        cfg.load_from = checkpoint
    runner = Runner.from_cfg(cfg)
    progress = ProgressHook(name)
    runner.register_hook(progress, priority='VERY_LOW')
    if reusing:
        print(f'[{name}] reusing {checkpoint}', flush=True)
        runner.val()  # loads cfg.load_from
        runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    else:
        runner.train()  # evaluates after the last epoch
    return runner, progress.metrics


def run_one(cfg, name: str, metric: str, reuse: bool = False):
    """Train and evaluate one loss (see :func:`train_or_reuse`); return its AP by group (in %) and the runner."""
    runner, metrics = train_or_reuse(cfg, name, reuse)
    return {g: 100 * float(metrics[f'lvis/{metric}_{g}']) for g in GROUPS}, runner


def interleaved_step_times(runners: Dict[str, object], num_batches: int = TIMING_BATCHES,
                           rounds: int = TIMING_ROUNDS) -> Dict[str, float]:
    """Median time of one training step (data preprocessing, forward, loss, backward, optimiser step) of
    each trained model on the same batches, the losses taking turns step by step (in a rotating order), so
    that a change in the machine's load during the benchmark weighs on every loss alike."""
    import torch

    names = list(runners)
    loader = iter(runners[names[0]].build_dataloader(runners[names[0]].cfg.train_dataloader))
    batches = [next(loader) for _ in range(num_batches)]
    times: Dict[str, List[float]] = {name: [] for name in names}
    bar = ProgressBar(rounds * num_batches)
    for r in range(rounds):
        for batch in batches:
            for k in range(len(names)):
                name = names[(r + k) % len(names)]
                runner = runners[name]
                runner.model.train()
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                start = time.perf_counter()
                runner.model.train_step(batch, optim_wrapper=runner.optim_wrapper)
                if torch.cuda.is_available():
                    torch.cuda.synchronize()
                if r > 0:  # the first round warms up (allocations, EQL's first-step frequency reading)
                    times[name].append(time.perf_counter() - start)
            bar.update()
    print(flush=True)
    return {name: statistics.median(t) for name, t in times.items()}


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
    results, runners = {}, {}
    for name in args.losses:
        cfg = benchmark_cfg(name, epochs, metric, args.seed, args.work_dir, args.data)
        results[name], runners[name] = run_one(cfg, name, metric, args.reuse)
    print(f'timing the training steps of {", ".join(runners)}, interleaved', flush=True)
    for name, step_time in interleaved_step_times(runners).items():
        results[name]['step_time'] = step_time

    return summarise(results, f'tiny Mask R-CNN, {epochs} epoch(s), seed {args.seed}', metric)


if __name__ == '__main__':
    main()
