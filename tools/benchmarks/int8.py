"""The miniature unified-INT8-training benchmark: FP32 vs naive INT8 vs +DSGC vs +DSGC+DCLR.

    python tools/benchmarks/int8.py            # digits 30 epochs x 3 seeds, toy detection 3 epochs (~35 min)
    python tools/benchmarks/int8.py --quick    # digits 3 epochs x 1 seed, toy detection 1 epoch (a few min)

**Digits** (real data: scikit-learn's 8x8 handwritten digits, 1201 train / 596 test, through the
classification substrate): the FP32 recipe ``configs/cls/small-convnet_1xb32-30e_digits.py`` and its INT8
twin ``configs/int8/small-convnet_int8-dsgc-dclr_1xb32-30e_digits.py`` with parts switched off:

============== =====================================================================================
fp32           floating point (the reference)
int8_naive     INT8 forward and backward GEMMs, stochastic rounding, gradient clip = max|g|, plain SGD
int8_dsgc      + Direction Sensitive Gradient Clipping (refreshed every ``period`` iterations)
int8_dsgc_dclr + Deviation Counteractive Learning Rate scaling (the INT8 config as it is)
============== =====================================================================================

Same epochs, schedule and seeds; each run is evaluated once at the end on the test split (top-1, %). A run
**diverges** when a training loss is not finite or its final accuracy is below 50%.

**Toy detection** (the toy LVIS set): the tiny Faster R-CNN in FP32
(``configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py``) and with INT8 DSGC+DCLR
(``configs/int8/faster-rcnn_r18-tiny_fpn_int8-dsgc-dclr_3e_toy-lvis.py``), box AP (%), seed 0.

**Step time**: full training steps (``model.train_step``: preprocessing, forward, backward, SGD) of the
digits INT8 DSGC+DCLR model (simulated INT8, its DSGC refresh every ``period`` steps included) against the
FP32 model, in alternating blocks of ``period`` steps in this process; the ratio of the median block times.
On a CUDA device it also times an ``Int8Linear`` with ``backend='int8'`` (``torch._int_mm``) against
``nn.Linear`` (forward + backward) for large GEMMs.

Prints tables and, as its last line, one JSON object::

    {"fp32_acc": .., "int8_naive_acc": .., "int8_dsgc_acc": .., "int8_dsgc_dclr_acc": .., (means, %)
     "int8_vs_fp32_step_ratio": .., "<variant>_acc_std": .., "<variant>_diverged": .., "det_fp32_AP": ..,
     "det_int8_dsgc_dclr_AP": .., "int8_gemm_vs_fp32_ratio_cuda": .. (null without CUDA), "epochs": ..,
     "seeds": [..], "det_epochs": ..}

and saves a plot of the digits accuracies (``--plot``).
"""
import argparse
import json
import math
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional

from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from digits_common import ProgressHook, digits_run_cfg, timing_setup  # noqa: E402
FP32_CONFIG = 'configs/cls/small-convnet_1xb32-30e_digits.py'
INT8_CONFIG = 'configs/int8/small-convnet_int8-dsgc-dclr_1xb32-30e_digits.py'
DET_CONFIGS = {
    'fp32': 'configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py',
    'int8_dsgc_dclr': 'configs/int8/faster-rcnn_r18-tiny_fpn_int8-dsgc-dclr_3e_toy-lvis.py',
}
VARIANTS = ('fp32', 'int8_naive', 'int8_dsgc', 'int8_dsgc_dclr')
LABELS = {
    'fp32': 'FP32',
    'int8_naive': 'INT8, naive (clip = max)',
    'int8_dsgc': 'INT8 + DSGC',
    'int8_dsgc_dclr': 'INT8 + DSGC + DCLR',
}
FULL_EPOCHS, QUICK_EPOCHS = 30, 3
FULL_SEEDS, QUICK_SEEDS = (0, 1, 2), (0, )
FULL_DET_EPOCHS, QUICK_DET_EPOCHS = 3, 1
FULL_TIMING_BLOCKS, QUICK_TIMING_BLOCKS = 20, 6
DIVERGED_BELOW = 50.0  # % top-1: a digits run that ends below it has not learnt (chance is 10%)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='FP32 vs INT8 training (naive, DSGC, DSGC+DCLR).')
    parser.add_argument('--quick', action='store_true',
                        help=f'digits {QUICK_EPOCHS} epochs x seeds {QUICK_SEEDS}, detection {QUICK_DET_EPOCHS} '
                        f'epoch, instead of {FULL_EPOCHS} x {FULL_SEEDS} and {FULL_DET_EPOCHS}')
    parser.add_argument('--epochs', type=int, help='digits epochs a run (overrides --quick)')
    parser.add_argument('--seeds', type=int, nargs='+', help='digits seeds (overrides --quick)')
    parser.add_argument('--variants', nargs='+', choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument('--det-epochs', type=int, help='toy detection epochs (overrides --quick; 0 skips it)')
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'toy_lvis'),
                        help='toy LVIS folder (generated if missing)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_int8'))
    parser.add_argument('--plot', default=None, help='accuracy plot (default: <work-dir>/digits_int8.png)')
    return parser.parse_args(argv)


def variant_cfg(name: str, epochs: int, seed: int, work_dir: str):
    """The config of one digits run: the FP32 recipe, or the INT8 config with parts switched off."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, FP32_CONFIG if name == 'fp32' else INT8_CONFIG))
    if name in ('int8_naive', 'int8_dsgc'):
        cfg.int8_training.dsgc = name == 'int8_dsgc'
        cfg.optim_wrapper.type = 'OptimWrapper'
        for key in ('alpha', 'beta'):
            cfg.optim_wrapper.pop(key)
    return digits_run_cfg(cfg, 'int8', name, epochs, seed, work_dir)


def _build_runner(cfg):
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    return Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)


def _run_mean(runner, key: str) -> Optional[float]:
    """Mean over the run of a scalar logged every iteration, or None."""
    history = runner.message_hub.log_scalars.get(key)
    return None if history is None else float(history.data[0].mean())


def run_digits(cfg, bar: ProgressBar) -> dict:
    """Train one digits run: its top-1 (%) on the test split, whether it diverged, and (INT8) the mean over
    the run of the layers' gradient deviation d and of the smallest DCLR lr scale."""
    runner = _build_runner(cfg)
    progress = ProgressHook(bar)
    runner.register_hook(progress, priority='VERY_LOW')
    runner.train()
    acc = float(runner.val_loop.run()['accuracy/top1'])
    return dict(acc=acc, diverged=progress.nonfinite > 0 or not acc >= DIVERGED_BELOW,
                d=_run_mean(runner, 'train/int8_d_mean'), lr_scale=_run_mean(runner, 'train/int8_lr_scale_min'))


def det_cfg(name: str, epochs: int, work_dir: str, data_root: str):
    """One toy-detection run: the toy config with ``epochs`` epochs, one evaluation (box AP), seed 0."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, DET_CONFIGS[name]))
    cfg.work_dir = osp.join(work_dir, f'det_{name}')
    cfg.experiment_name = f'benchmark_int8_det_{name}'
    cfg.visualizer.name = cfg.experiment_name
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs
    cfg.param_scheduler[1].update(end=epochs, milestones=[max(epochs - 1, 1)])
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    data_root = data_root.rstrip('/') + '/'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
    cfg.val_evaluator.ann_file = data_root + 'annotations/lvis_v1_val.json'
    cfg.val_evaluator.metric = 'bbox'
    cfg.test_evaluator = cfg.val_evaluator
    return cfg


class _LastMetrics(Hook):
    def __init__(self) -> None:
        self.metrics = None

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.metrics = metrics


def run_det(cfg, name: str) -> dict:
    """Train and evaluate one toy detector; box AP (%) and whether it diverged."""
    runner = _build_runner(cfg)
    iters = len(runner.train_loop.dataloader) * cfg.train_cfg.max_epochs
    print(f'\ntoy detection, {LABELS[name]}: {iters} iterations', flush=True)
    progress, last = ProgressHook(ProgressBar(iters)), _LastMetrics()
    runner.register_hook(progress, priority='VERY_LOW')
    runner.register_hook(last, priority='VERY_LOW')
    runner.train()  # mmengine's loop evaluates after the last epoch
    ap = 100 * float(last.metrics['lvis/bbox_AP'])
    return dict(AP=ap, diverged=progress.nonfinite > 0)


def _timing_setup(name: str, num_batches: int):
    """A digits model (INT8 converted as Int8Runner does), its optimiser wrapper, batches, the DSGC period."""
    from mmx.cnn.int8 import convert_to_int8

    cfg = variant_cfg(name, 1, 0, '')
    prepare = None
    if name != 'fp32':
        settings = dict(cfg.int8_training)
        settings.pop('period'), settings.pop('log_per_layer', None)

        def prepare(model):
            convert_to_int8(model, **settings)
    model, optim_wrapper, batches = timing_setup(cfg, num_batches, prepare)
    period = cfg.int8_training.period if name != 'fp32' else None
    return model, optim_wrapper, batches, period


def step_time_ratio(blocks: int) -> Dict[str, float]:
    """Median time of a block of ``period`` training steps, INT8 DSGC+DCLR (one DSGC refresh a block) and
    FP32, blocks alternating; returns both medians (s) and their ratio."""
    from mmx.cnn.int8 import quantized_layers

    period = variant_cfg('int8_dsgc_dclr', 1, 0, '').int8_training.period
    setups = {name: _timing_setup(name, period) for name in ('fp32', 'int8_dsgc_dclr')}
    layers = list(quantized_layers(setups['int8_dsgc_dclr'][0]).values())
    times = {name: [] for name in setups}
    for block in range(blocks + 1):  # block 0 warms both models up and is dropped
        order = ('fp32', 'int8_dsgc_dclr') if block % 2 == 0 else ('int8_dsgc_dclr', 'fp32')
        for name in order:
            model, optim_wrapper, batches, _ = setups[name]
            start = time.perf_counter()
            for i, batch in enumerate(batches):
                if name != 'fp32' and i == 0:  # what DSGCHook does every `period` iterations
                    for layer in layers:
                        layer.refresh_pending = True
                model.train_step(batch, optim_wrapper)
            if block:
                times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    return dict(fp32=medians['fp32'] / period, int8=medians['int8_dsgc_dclr'] / period,
                ratio=medians['int8_dsgc_dclr'] / medians['fp32'], period=period)


def gemm_ratio_cuda(sizes=((4096, 4096, 4096), (8192, 4096, 4096)), repeats: int = 20) -> Optional[dict]:
    """Forward + backward time of ``Int8Linear(backend='int8')`` over ``nn.Linear`` (float32 and bfloat16)
    for (tokens, in, out) GEMMs on CUDA; None without CUDA."""
    import torch
    import torch.nn as nn

    from mmx.cnn.int8 import Int8Linear
    if not torch.cuda.is_available():
        return None
    out = {}
    for m, k, n in sizes:
        x = torch.randn(m, k, device='cuda', requires_grad=True)
        layers = {'fp32': nn.Linear(k, n, bias=False).cuda(),
                  'int8': Int8Linear(k, n, bias=False, backend='int8').cuda()}
        timing = {}
        for name, layer in layers.items():
            for i in range(repeats + 3):
                if i == 3:
                    torch.cuda.synchronize()
                    start = time.perf_counter()
                layer(x).sum().backward()
            torch.cuda.synchronize()
            timing[name] = (time.perf_counter() - start) / repeats
        out[f'{m}x{k}x{n}'] = timing['int8'] / timing['fp32']
    return out


def summarise(digits: Dict[str, List[dict]], det: Dict[str, dict], timing: Dict[str, float],
              gemm: Optional[dict], epochs: int, seeds: List[int], det_epochs: int) -> dict:
    """Print the tables and, as the last line, the JSON summary."""
    print(f'\nDigits test split, top-1 (%), SmallConvNet, {epochs} epochs a run, seeds {seeds}')
    print('(d: the layers\' gradient deviation 1 - cos(g, Q(g)), mean over layers and iterations; '
          'min φ: the smallest DCLR lr scale, mean over iterations)')
    print(f'{"training":<28}{"mean":>8}{"std":>8}  diverged{"d":>9}{"min φ":>9}   runs')
    summary = {}
    for name, runs in digits.items():
        accs = [r['acc'] for r in runs]
        mean = statistics.mean(accs)
        std = statistics.stdev(accs) if len(accs) > 1 else 0.0
        diverged = sum(r['diverged'] for r in runs)
        summary[f'{name}_acc'], summary[f'{name}_acc_std'] = round(mean, 2), round(std, 2)
        summary[f'{name}_diverged'] = diverged
        extra = ''
        for key, label in (('d', 'grad_deviation'), ('lr_scale', 'lr_scale_min')):
            values = [r[key] for r in runs if r.get(key) is not None]
            value = statistics.mean(values) if values else None
            if value is not None:
                summary[f'{name}_{label}'] = round(value, 5)
            extra += f'{value:>9.5f}' if value is not None else f'{"-":>9}'
        print(f'{LABELS[name]:<28}{mean:>8.2f}{std:>8.2f}{diverged:>6}/{len(runs)}{extra}   '
              + ' '.join(f'{a:.2f}' for a in accs))
    if det:
        print(f'\nToy LVIS, tiny Faster R-CNN, {det_epochs} epoch(s), seed 0: box AP (%)')
        for name, r in det.items():
            print(f'  {LABELS[name]:<26}{r["AP"]:>8.2f}' + ('  (diverged)' if r['diverged'] else ''))
            summary[f'det_{name}_AP'] = round(r['AP'], 2)
            summary[f'det_{name}_diverged'] = int(r['diverged'])
    print(f'\nDigits training step (preprocessing, forward, backward, SGD), batch 32, median over blocks of '
          f'{timing["period"]} steps (one DSGC refresh a block): FP32 {1e3 * timing["fp32"]:.2f} ms, simulated '
          f'INT8 DSGC+DCLR {1e3 * timing["int8"]:.2f} ms, ratio {timing["ratio"]:.3f}')
    summary['int8_vs_fp32_step_ratio'] = round(timing['ratio'], 3)
    if gemm is None:
        print('No CUDA device: the real INT8 GEMM path (torch._int_mm) was not timed.')
    else:
        for shape, ratio in gemm.items():
            print(f'  CUDA Int8Linear(backend="int8") / nn.Linear fp32, forward+backward, {shape}: {ratio:.3f}')
    summary['int8_gemm_vs_fp32_ratio_cuda'] = (
        None if gemm is None else round(statistics.median(gemm.values()), 3))
    summary['epochs'], summary['seeds'], summary['det_epochs'] = epochs, list(seeds), det_epochs
    order = ['fp32_acc', 'int8_naive_acc', 'int8_dsgc_acc', 'int8_dsgc_dclr_acc', 'int8_vs_fp32_step_ratio']
    summary = {**{k: summary[k] for k in order if k in summary}, **summary}
    print(json.dumps(summary))
    return summary


def plot(digits: Dict[str, List[dict]], path: str, epochs: int) -> None:
    """Bar chart of the digits accuracies (mean) with each seed's run as a dot."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(digits)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for i, name in enumerate(names):
        accs = [r['acc'] for r in digits[name]]
        ax.bar(i, statistics.mean(accs), color='tab:gray' if name == 'fp32' else 'tab:blue', alpha=0.6)
        ax.plot([i] * len(accs), accs, 'k.')
    ax.set_xticks(range(len(names)), [LABELS[n] for n in names], rotation=15, fontsize=8)
    low = min(r['acc'] for runs in digits.values() for r in runs)
    ax.set_ylim(max(0.0, low - 2), 100)
    ax.set_ylabel('top-1 (%)')
    ax.set_title(f'Digits, SmallConvNet, {epochs} epochs: FP32 vs INT8 training', fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmx.cls import DigitsDataset
    from mmx.det.datasets import generate_toy_lvis

    epochs = args.epochs or (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    seeds = args.seeds or list(QUICK_SEEDS if args.quick else FULL_SEEDS)
    det_epochs = args.det_epochs if args.det_epochs is not None else (
        QUICK_DET_EPOCHS if args.quick else FULL_DET_EPOCHS)
    iters_per_epoch = math.ceil(len(DigitsDataset(split='train', lazy_init=False)) / 32)
    total = len(seeds) * len(args.variants) * epochs * iters_per_epoch
    print(f'digits: {len(args.variants)} trainings x {len(seeds)} seeds, {epochs} epochs a run: {total} '
          'iterations', flush=True)
    bar = ProgressBar(total)
    digits = {name: [] for name in args.variants}
    for seed in seeds:
        for name in args.variants:
            digits[name].append(run_digits(variant_cfg(name, epochs, seed, args.work_dir), bar))
    det = {}
    if det_epochs > 0:
        generate_toy_lvis(args.data)
        for name in DET_CONFIGS:
            det[name] = run_det(det_cfg(name, det_epochs, args.work_dir, args.data), name)
    print('\ntiming training steps', flush=True)
    timing = step_time_ratio(QUICK_TIMING_BLOCKS if args.quick else FULL_TIMING_BLOCKS)
    gemm = gemm_ratio_cuda()
    plot_path = args.plot or osp.join(args.work_dir, 'digits_int8.png')
    plot(digits, plot_path, epochs)
    print(f'\nplot: {plot_path}')
    return summarise(digits, det, timing, gemm, epochs, seeds, det_epochs)


if __name__ == '__main__':
    main()
