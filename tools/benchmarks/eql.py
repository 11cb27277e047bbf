"""The miniature EQL / EQLv2 benchmark: softmax CE vs EQL vs EQLv2 on the toy long-tailed LVIS data.

    python tools/benchmarks/eql.py            # 3 epochs per loss (the toy configs' schedule)
    python tools/benchmarks/eql.py --quick    # 1 epoch per loss, a few minutes on 2 CPU cores

Trains the tiny Mask R-CNN of ``configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py`` with mmdet's default
softmax cross-entropy, and the same model with ``configs/eql/mask-rcnn_r18-tiny_fpn_eql{,v2}_3e_toy-lvis.py``,
with the same schedule and seed, then evaluates each on the toy validation split with ``LVISMetric``. Prints
mask AP, APr, APc, APf per loss and the median training-iteration time of EQL and EQLv2 relative to CE (same
process, same model), and, as the last line, one JSON object::

    {"ce": {"AP": .., "APr": .., "APc": .., "APf": ..}, "eql": {...}, "eqlv2": {...},
     "step_time_ratio": {"eql": .., "eqlv2": ..}}
"""
import argparse
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'ce': 'configs/lvis/mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py',
    'eql': 'configs/eql/mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py',
    'eqlv2': 'configs/eql/mask-rcnn_r18-tiny_fpn_eqlv2_3e_toy-lvis.py',
}
GROUPS = ('AP', 'APr', 'APc', 'APf')
WARMUP_ITERS = 10  # iterations left out of the step-time median (first-call allocation, caches)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Softmax CE vs EQL vs EQLv2 on the toy LVIS data.')
    parser.add_argument('--quick', action='store_true', help='1 epoch per loss instead of 3')
    parser.add_argument('--epochs', type=int, help='epochs per loss (overrides --quick)')
    parser.add_argument('--seed', type=int, default=0, help='training seed (default: 0)')
    parser.add_argument('--losses', nargs='+', choices=list(CONFIGS), default=list(CONFIGS))
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_eql'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'toy_lvis'),
                        help='toy LVIS folder (generated if missing)')
    return parser.parse_args(argv)


def run_one(name: str, epochs: int, seed: int, work_dir: str, data_root: str) -> Dict[str, float]:
    """Train and evaluate one loss; return its mask AP by group and its median iteration time."""
    from mmengine.config import Config
    from mmengine.runner import Runner

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
    cfg.test_evaluator = cfg.val_evaluator
    loss_cls = cfg.model.roi_head.bbox_head.loss_cls
    if 'ann_file' in loss_cls:
        loss_cls.ann_file = data_root + 'annotations/lvis_v1_train.json'

    runner = Runner.from_cfg(cfg)
    runner.train()
    times = runner.message_hub.get_scalar('train/time').data[0]
    metrics = runner.val_loop.run()
    result = {g: 100 * float(metrics[f'lvis/segm_{g}']) for g in GROUPS}
    result['step_time'] = statistics.median(times[WARMUP_ITERS:] if len(times) > 2 * WARMUP_ITERS else times)
    return result


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmx.det.datasets import generate_toy_lvis

    generate_toy_lvis(args.data)
    epochs = args.epochs or (1 if args.quick else 3)
    results = {name: run_one(name, epochs, args.seed, args.work_dir, args.data) for name in args.losses}

    print(f'\nToy LVIS v1 val, tiny Mask R-CNN, {epochs} epoch(s), seed {args.seed}: mask AP (%)')
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
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
