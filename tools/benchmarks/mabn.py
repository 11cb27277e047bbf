"""The miniature MABN benchmark: normalisation at batch 2 on scikit-learn's handwritten digits.

    python tools/benchmarks/mabn.py            # 30 epochs a run, seeds 0 1 2 (about an hour on 2 busy cores)
    python tools/benchmarks/mabn.py --quick    # 3 epochs a run, seed 0 (a few minutes)
    python tools/benchmarks/mabn.py --reuse    # finished runs (their result.json) are read, not retrained
    python tools/benchmarks/mabn.py --timing-only  # the step timing alone (its keys only)

Trains the SmallConvNet classifier of mmx's classification substrate on the real 8x8 digits
(1201 train / 596 test images) with

====== ================================================================================================
bn32   BN at batch 32, ``configs/cls/small-convnet_1xb32-30e_digits.py`` (the reference)
bn2    BN at batch 2
gn2    GroupNorm (8 groups) at batch 2
brn2   Batch Renormalization (Ioffe, NeurIPS 2017; r_max 3, d_max 5 after 1000 steps) at batch 2
mabn2  MABN + CenConv2d at batch 2, ``configs/mabn/small-convnet_mabn_1xb2-30e_digits.py``
====== ================================================================================================

The batch-2 runs are the MABN config with only the norm (and a plain conv) swapped: same epochs, lr scaled
linearly (0.1 x 2/32), same seeds. Each run is evaluated once, at the end, on the test split (top-1, %).

The network has 4 stages by default (32-64-128-256 channels, 8x8 -> 8x8 -> 4x4 -> 2x2 -> 1x1), not the
configs' 3: at batch 2 a BN statistic of the last stage then comes from the 2 images alone, the paper's
small normalisation batch. With ``--stages 3`` (last map 2x2, 8 values a statistic) BN at batch 2 keeps up
on these easy images (see configs/mabn/README.md). Every run drops the last, incomplete batch of an epoch
(1201 images: one image alone would give BN a single value a statistic).

Each run writes ``result.json`` (accuracy, epochs, stages, seed) into its work dir; ``--reuse`` takes a
finished run's accuracy from there when epochs, stages and seed match, so that the timing can be measured
again (e.g. on a quiet machine) without retraining.

Then it times training steps (``model.train_step``: preprocessing, forward, backward, SGD) of the MABN +
CenConv2d model and of the MABN model with plain convolutions against the BN model in this process,
alternating blocks of steps, at batch 2 and at batch 32, with MABN past its warm-ups (SMAs and
renormalisation on, its slowest regime): the median step time ratios. Prints a table and, as its last line,
one JSON object::

    {"bn32_acc": .., "bn2_acc": .., "gn2_acc": .., "brn2_acc": .., "mabn2_acc": .., (means over seeds, %)
     "bn32_acc_std": .., ..., "mabn_vs_bn_step_ratio": .., "mabn_vs_bn_step_ratio_b32": ..,
     "mabn_plain_conv_vs_bn_step_ratio": .., "mabn_plain_conv_vs_bn_step_ratio_b32": ..,
     "epochs": .., "seeds": [..], "stages": ..}

``mabn_vs_bn_step_ratio`` is the paper's method (MABN + CenConv2d) against BN with plain convolutions.
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmengine.utils import ProgressBar

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from digits_common import ProgressHook, digits_run_cfg, timing_setup  # noqa: E402
BN32_CONFIG = 'configs/cls/small-convnet_1xb32-30e_digits.py'
MABN_CONFIG = 'configs/mabn/small-convnet_mabn_1xb2-30e_digits.py'
VARIANTS = ('bn32', 'bn2', 'gn2', 'brn2', 'mabn2')
LABELS = {
    'bn32': 'BN, batch 32',
    'bn2': 'BN, batch 2',
    'gn2': 'GN (8 groups), batch 2',
    'brn2': 'BRN, batch 2',
    'mabn2': 'MABN + CenConv2d, batch 2',
}
FULL_EPOCHS, QUICK_EPOCHS = 30, 3
FULL_SEEDS, QUICK_SEEDS = (0, 1, 2), (0, )
TIMING_BLOCK = 10  # steps of one model before switching to the other
FULL_TIMING_BLOCKS, QUICK_TIMING_BLOCKS = 30, 10
# SmallConvNet stages (channels, first-block strides) on the 8x8 digits
ARCHS = {3: ((32, 64, 128), (1, 2, 2)), 4: ((32, 64, 128, 256), (1, 2, 2, 2))}


class BatchRenorm2d(nn.BatchNorm2d):
    """Batch Renormalization, `Ioffe, NeurIPS 2017 <https://arxiv.org/abs/1702.03275>`_, the baseline the
    MABN paper compares with (benchmark-only).

    Training uses the batch statistics corrected towards the running ones,
    ``y = γ·((x − μ_B)/σ_B·r + d) + β`` with ``r = clip(σ_B/σ, 1/r_max, r_max)`` and
    ``d = clip((μ_B − μ)/σ, −d_max, d_max)`` (no gradient through r and d); r = 1, d = 0 (plain BN) for
    the first ``warmup_iters`` steps. Inference is BN's.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.01, r_max: float = 3.0,
                 d_max: float = 5.0, warmup_iters: int = 1000):
        super().__init__(num_features, eps, momentum)
        self.r_max, self.d_max, self.warmup_iters = r_max, d_max, warmup_iters
        self.steps = 0  # a host counter: no synchronisation per step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        var, mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
        std = (var + self.eps).sqrt()
        x_hat = (x - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)
        with torch.no_grad():
            running_std = (self.running_var + self.eps).sqrt()
            if self.steps >= self.warmup_iters:
                r = (std / running_std).clamp(1 / self.r_max, self.r_max)
                d = ((mean - self.running_mean) / running_std).clamp(-self.d_max, self.d_max)
                x_hat = x_hat * r.view(1, -1, 1, 1) + d.view(1, -1, 1, 1)
            count = x.numel() // x.shape[1]
            self.running_mean.lerp_(mean, self.momentum)
            self.running_var.lerp_(var * count / max(count - 1, 1), self.momentum)
            self.steps += 1
        return x_hat * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='BN / GN / BRN / MABN at batch 2 on the digits.')
    parser.add_argument('--quick', action='store_true',
                        help=f'{QUICK_EPOCHS} epochs, seeds {QUICK_SEEDS}, shorter timing, instead of '
                        f'{FULL_EPOCHS} epochs and seeds {FULL_SEEDS}')
    parser.add_argument('--epochs', type=int, help='epochs a run (overrides --quick)')
    parser.add_argument('--seeds', type=int, nargs='+', help='training seeds (overrides --quick)')
    parser.add_argument('--variants', nargs='+', choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument('--stages', type=int, choices=sorted(ARCHS), default=4,
                        help='backbone stages: 4 (default, last map 1x1) or 3 (the configs\' network)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_mabn'))
    parser.add_argument('--timing-only', action='store_true',
                        help='measure the step timing only; the JSON then has the timing keys only')
    parser.add_argument('--reuse', action='store_true',
                        help='read the accuracy of runs finished earlier (their result.json) instead of training')
    return parser.parse_args(argv)


def variant_cfg(name: str, epochs: int, seed: int, work_dir: str, stages: int = 4):
    """The config of one run: the batch-32 BN recipe, or the MABN config with its norm swapped, with
    ``stages`` backbone stages."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, BN32_CONFIG if name == 'bn32' else MABN_CONFIG))
    backbone = cfg.model.backbone
    backbone.widths, backbone.strides = ARCHS[stages]
    backbone.depths = (1, ) * stages
    cfg.model.head.in_channels = backbone.widths[-1]
    cfg.train_dataloader.drop_last = True
    if name in ('bn2', 'gn2', 'brn2'):
        backbone.conv_cfg = None
        backbone.norm_cfg = dict(bn2=dict(type='BN'), gn2=dict(type='GN', num_groups=8),
                                 brn2=dict(type='BenchmarkBatchRenorm2d'))[name]
    return digits_run_cfg(cfg, 'mabn', name, epochs, seed, work_dir)


def run_one(cfg, bar: ProgressBar, reuse: bool = False) -> float:
    """Train one run and return its top-1 accuracy (%) on the test split, recorded in
    ``<work_dir>/result.json``; with ``reuse``, a matching result there is returned without training."""
    from mmengine.runner import Runner

    result_file = osp.join(cfg.work_dir, 'result.json')
    key = dict(epochs=cfg.train_cfg.max_epochs, widths=list(cfg.model.backbone.widths), seed=cfg.randomness.seed)
    if reuse and osp.isfile(result_file):
        with open(result_file) as f:
            result = json.load(f)
        if {k: result.get(k) for k in key} == key:
            bar.update(result['iters'])
            return float(result['accuracy'])
        print(f'\n{result_file} is from another setting ({result}), training again', flush=True)
    runner = Runner.from_cfg(cfg)
    runner.register_hook(ProgressHook(bar), priority='VERY_LOW')
    runner.train()
    accuracy = float(runner.val_loop.run()['accuracy/top1'])
    with open(result_file, 'w') as f:
        json.dump(dict(key, accuracy=accuracy, iters=runner.iter), f)
    return accuracy


def _timing_setup(name: str, batch_size: int, stages: int, plain_conv: bool = False):
    """A model, its optimiser wrapper and batches for the step timing (MABN past its warm-ups)."""
    cfg = variant_cfg(name, 1, 0, '', stages)
    if name == 'mabn2':
        cfg.model.backbone.norm_cfg.update(warmup_iters=0, renorm_warmup_iters=0)
    if plain_conv:
        cfg.model.backbone.conv_cfg = None
    cfg.train_dataloader.batch_size = batch_size
    return timing_setup(cfg, TIMING_BLOCK)


def step_time_ratio(batch_size: int, blocks: int, stages: int = 4) -> Dict[str, float]:
    """Median training-step time of the MABN + CenConv2d model, of the MABN model with plain convolutions
    and of the BN model, timed in alternating blocks (seconds), and the ratios to BN."""
    setups = dict(bn=_timing_setup('bn2', batch_size, stages), mabn=_timing_setup('mabn2', batch_size, stages),
                  mabn_plain_conv=_timing_setup('mabn2', batch_size, stages, plain_conv=True))
    names = list(setups)
    times = {name: [] for name in names}
    for block in range(blocks + 1):  # block 0 warms up the models (allocations, caches) and is dropped
        for name in names[block % len(names):] + names[:block % len(names)]:  # rotate the order
            model, optim_wrapper, batches = setups[name]
            for batch in batches:
                start = time.perf_counter()
                model.train_step(batch, optim_wrapper)
                if block:
                    times[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    return dict(medians, ratio=medians['mabn'] / medians['bn'],
                ratio_plain_conv=medians['mabn_plain_conv'] / medians['bn'])


def summarise(accs: Dict[str, List[float]], timing: Dict[int, Dict[str, float]], epochs: int,
              seeds: List[int], stages: int = 4) -> dict:
    """Print the table and, as the last line, the JSON summary."""
    summary = {}
    if accs:
        print(f'\nDigits test split, top-1 (%), {stages}-stage SmallConvNet, {epochs} epochs a run, '
              f'seeds {seeds}')
        print(f'{"normalisation":<28}{"mean":>8}{"std":>8}   runs')
    for name, values in accs.items():
        mean = statistics.mean(values)
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        summary[f'{name}_acc'], summary[f'{name}_acc_std'] = round(mean, 2), round(std, 2)
        print(f'{LABELS[name]:<28}{mean:>8.2f}{std:>8.2f}   ' + ' '.join(f'{v:.2f}' for v in values))
    print('\nTraining step (preprocessing, forward, backward, SGD), median, same process:')
    for batch_size, t in timing.items():
        print(f'  batch {batch_size:>2}: BN {1e3 * t["bn"]:.2f} ms, MABN + CenConv2d {1e3 * t["mabn"]:.2f} ms '
              f'(ratio {t["ratio"]:.3f}), MABN + plain conv {1e3 * t["mabn_plain_conv"]:.2f} ms '
              f'(ratio {t["ratio_plain_conv"]:.3f})')
    summary['mabn_vs_bn_step_ratio'] = round(timing[2]['ratio'], 3)
    summary['mabn_vs_bn_step_ratio_b32'] = round(timing[32]['ratio'], 3)
    summary['mabn_plain_conv_vs_bn_step_ratio'] = round(timing[2]['ratio_plain_conv'], 3)
    summary['mabn_plain_conv_vs_bn_step_ratio_b32'] = round(timing[32]['ratio_plain_conv'], 3)
    if accs:
        summary['epochs'], summary['seeds'] = epochs, list(seeds)
    summary['stages'] = stages
    print(json.dumps(summary))
    return summary


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    from mmx.cls import DigitsDataset
    from mmx.registry import MODELS

    MODELS.register_module('BenchmarkBatchRenorm2d', module=BatchRenorm2d, force=True)
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    seeds = args.seeds or list(QUICK_SEEDS if args.quick else FULL_SEEDS)
    accs = {}
    if not args.timing_only:
        num_train = len(DigitsDataset(split='train', lazy_init=False))
        iters = {name: epochs * (num_train // (32 if name == 'bn32' else 2)) for name in args.variants}
        total = len(seeds) * sum(iters.values())
        print(f'{len(args.variants)} normalisations x {len(seeds)} seeds, {epochs} epochs a run: {total} '
              'training iterations', flush=True)
        bar = ProgressBar(total)
        accs = {name: [] for name in args.variants}
        for seed in seeds:
            for name in args.variants:
                cfg = variant_cfg(name, epochs, seed, args.work_dir, args.stages)
                accs[name].append(run_one(cfg, bar, args.reuse))
    print('\ntiming training steps', flush=True)
    blocks = QUICK_TIMING_BLOCKS if args.quick else FULL_TIMING_BLOCKS
    timing = {batch_size: step_time_ratio(batch_size, blocks, args.stages) for batch_size in (2, 32)}
    return summarise(accs, timing, epochs, seeds, args.stages)


if __name__ == '__main__':
    main()
