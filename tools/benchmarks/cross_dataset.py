"""The miniature cross-dataset benchmark: separate models vs naive label union vs dataset-aware loss.

    python tools/benchmarks/cross_dataset.py              # the full run: RetinaNet, 12 epochs, seeds 0,1,2, a:b = 4:1
                                                          # (about 75 min on 2 busy CPU cores)
    python tools/benchmarks/cross_dataset.py --quick      # 1 epoch, 60 images per source, 40 for validation, seed 0
    python tools/benchmarks/cross_dataset.py --reuse      # evaluate the trained runs found in --work-dir
    python tools/benchmarks/cross_dataset.py --detector faster-rcnn --shares a=1,b=1 --epochs 3 --seeds 0

Two toy sources (``mmx.det.datasets.make_toy_cross_dataset``, from the toy LVIS images): "a" annotates the red,
blue, green and yellow shapes, "b" the green, yellow, cyan and magenta ones, each on its own share of the training
images (``--shares``, by default a:b = 4:1, the usual situation of a large dataset beside a small one, e.g. COCO's
118k images beside WIDER FACE's 12k), where the other colours' objects are drawn but unlabelled. Trains mmx's tiny
RetinaNet (``--detector retinanet``, the paper's detector: sigmoid focal loss, ``DatasetAwareRetinaHead``) or
tiny Faster R-CNN (``--detector faster-rcnn``: sigmoid RoI classifier, ``DatasetAwareRoIHead``), configs
``configs/cross_dataset/{retinanet,faster-rcnn}_r18-tiny_fpn_*_3e_toy-cross.py``:

* ``separate``: one model per source on that source's images and classes;
* ``naive``: one model on both sources over the union of the label spaces, every background sample a negative
  for every class;
* ``aware``: the same with the dataset-aware loss (no negatives from a background sample for the classes its
  image's source does not annotate).

Each model sees each of its source images ``--epochs`` times, with the same seed and learning-rate schedule; every
run is repeated for each of ``--seeds`` and the figures are means over them. Evaluation (``CrossDatasetMetric``):
per source, COCO box AP on the source's own classes over the validation images, and for the merged models also on
the classes the source leaves unannotated (learnable only from the other source). Prints a table (means and
standard deviations) and, as the last line, one JSON object::

    {"separate_AP": {"a": .., "b": ..}, "naive_AP": {...}, "aware_AP": {...},
     "naive_unannotated_AP": {...}, "aware_unannotated_AP": {...}, "aware_over_separate": {...}, "epochs": ..,
     "train_images": {...}, "detector": .., "seeds": [..]}

and saves a bar plot of the figures (``--plot``).
"""
import argparse
import json
import os.path as osp
import statistics
import sys
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the EQL benchmark's train-or-reuse step with its progress bars (training iterations, validation batches)
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from eql import train_or_reuse  # noqa: E402
CONFIGS = {
    'faster-rcnn': {
        'naive': 'configs/cross_dataset/faster-rcnn_r18-tiny_fpn_naive-union_3e_toy-cross.py',
        'aware': 'configs/cross_dataset/faster-rcnn_r18-tiny_fpn_cross-dataset_3e_toy-cross.py'},
    'retinanet': {
        'naive': 'configs/cross_dataset/retinanet_r18-tiny_fpn_naive-union_3e_toy-cross.py',
        'aware': 'configs/cross_dataset/retinanet_r18-tiny_fpn_cross-dataset_3e_toy-cross.py'},
}
RUNS = ('naive', 'aware')
SOURCES = ('a', 'b')
FULL_EPOCHS = 12
FULL_SEEDS = '0,1,2'
FULL_SHARES = 'a=4,b=1'
QUICK_EPOCHS = 1
QUICK_NUM_TRAIN = 60  # training images per source with --quick
QUICK_NUM_VAL = 40


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Separate vs naive union vs dataset-aware cross-dataset '
                                                 'training on toy data.')
    parser.add_argument('--quick', action='store_true', help=f'{QUICK_EPOCHS} epoch per model, {QUICK_NUM_TRAIN} training images per '
                        f'source and {QUICK_NUM_VAL} validation images (a few minutes)')
    parser.add_argument('--epochs', type=int, help='epochs per model (overrides --quick)')
    parser.add_argument('--num-train', type=int, help='training images per source (default: all, 300)')
    parser.add_argument('--num-val', type=int, help='validation images (default: all, 150)')
    parser.add_argument('--shares', default=FULL_SHARES,
                        help=f'relative shares of the training images of the sources (default: {FULL_SHARES})')
    parser.add_argument('--detector', choices=sorted(CONFIGS), default='retinanet',
                        help='tiny RetinaNet (focal loss, the paper\'s detector; the default) or tiny Faster R-CNN '
                             '(sigmoid CE RoI classifier)')
    parser.add_argument('--seeds', default=None,
                        help=f'training seeds, comma-separated; the figures are means over them (default: '
                             f'{FULL_SEEDS}, with --quick 0)')
    parser.add_argument('--reuse', action='store_true',
                        help='evaluate the last checkpoint of runs of the same schedule and seed found in '
                             '--work-dir instead of training them again')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_cross_dataset'))
    parser.add_argument('--toy-lvis', default=osp.join(ROOT, 'data', 'toy_lvis'),
                        help='toy LVIS folder (generated if missing)')
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'toy_cross_dataset'),
                        help='toy cross-dataset folder (written from --toy-lvis)')
    parser.add_argument('--plot', default=None, help='bar plot file (default: <work-dir>/cross_dataset_ap.png)')
    args = parser.parse_args(argv)
    for name in ('epochs', 'num_train', 'num_val'):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f'--{name.replace("_", "-")} must be at least 1, got {getattr(args, name)}')
    if args.seeds is None:
        args.seeds = '0' if args.quick else FULL_SEEDS
    try:
        args.seeds = [int(v) for v in args.seeds.split(',')]
    except ValueError:
        parser.error(f'--seeds must be comma-separated integers, got {args.seeds!r}')
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f'--seeds has a repeated seed: {args.seeds}')
    try:
        shares = {k: int(v) for k, v in (item.split('=') for item in args.shares.split(','))}
    except ValueError:
        parser.error(f'--shares must look like a=4,b=1, got {args.shares!r}')
    if set(shares) != set(SOURCES) or min(shares.values()) < 1:
        parser.error(f'--shares must give each of the sources {", ".join(SOURCES)} a positive integer, '
                     f'got {args.shares!r}')
    args.shares = shares
    if args.quick:
        args.num_train = args.num_train or QUICK_NUM_TRAIN
        args.num_val = args.num_val or QUICK_NUM_VAL
    return args


def benchmark_cfg(run: str, epochs: int, seed: int, work_dir: str, data_root: str, toy_lvis: str,
                  num_imgs: int, detector: str = 'faster-rcnn'):
    """The config of one run: ``naive``, ``aware`` or ``separate_<source>`` (``num_imgs`` training images)."""
    from mmengine.config import Config

    merged = run in RUNS
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[detector]['naive' if not merged else run]))
    cfg.work_dir = osp.join(work_dir, f'seed{seed}', run)
    cfg.experiment_name = f'benchmark_cross_dataset_{run}_seed{seed}'
    cfg.visualizer.name = cfg.experiment_name  # a visualizer per run: each run's scalars in its own work dir
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs  # one evaluation, after the last epoch
    cfg.param_scheduler[1].update(end=epochs, milestones=[max(epochs - 1, 1)])
    # the configs' 100 warm-up iterations are most of a short run: at most a fifth of its first epoch
    cfg.param_scheduler[0].end = min(100, max(1, num_imgs // cfg.train_dataloader.batch_size // 5))
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    data_root = data_root.rstrip('/') + '/'
    img_prefix = osp.relpath(toy_lvis, data_root).rstrip('/') + '/'
    train_sources = cfg.train_dataloader.dataset.sources
    val_sources = cfg.val_dataloader.dataset.sources
    if not merged:
        source = run.split('_', 1)[1]
        classes = cfg[f'classes_{source}']
        train_sources = [s for s in train_sources if s.name == source]
        val_sources = [s for s in val_sources if s.name == source]
        for key in ('train_dataloader', 'val_dataloader'):
            cfg[key].dataset.classes = classes
        if 'roi_head' in cfg.model:
            cfg.model.roi_head.bbox_head.num_classes = len(classes)
            cfg.model.roi_head.bbox_head.loss_cls.num_classes = len(classes)
        else:
            cfg.model.bbox_head.num_classes = len(classes)
    for s in train_sources + val_sources:
        s.dataset.data_root = data_root
        s.dataset.data_prefix = dict(img=img_prefix)
    cfg.train_dataloader.dataset.sources = train_sources
    cfg.val_dataloader.dataset.sources = val_sources
    cfg.test_dataloader = cfg.val_dataloader
    cfg.val_evaluator.source_metrics = {
        s.name: dict(type='CocoMetric', ann_file=data_root + s.dataset.ann_file, metric='bbox')
        for s in val_sources}
    cfg.test_evaluator = cfg.val_evaluator
    return cfg


def run_one(cfg, run: str, reuse: bool = False) -> Dict[str, float]:
    """Train (or, with ``reuse``, load) and evaluate one run; box AP (%) per evaluated source."""
    _, metrics = train_or_reuse(cfg, run, reuse)
    # CocoMetric returns no key when a model made no detection above the score threshold: AP 0
    aps = {name: 0.0 for name in cfg.val_evaluator.source_metrics}
    aps.update({key.split('/')[0]: 100 * float(value) for key, value in metrics.items()
                if key.endswith('/bbox_mAP')})
    return aps


def summarise(results: Dict[int, Dict[str, Dict[str, float]]], epochs: int, num_imgs: Dict[str, int],
              detector: str = 'faster-rcnn') -> dict:
    """Print the table (means over the seeds, with their standard deviation) and return the JSON summary.

    ``results[seed][run][key]``: box AP (%) of ``run`` (``separate_<source>``, ``naive``, ``aware``) on
    ``key`` (a source, or ``<source>_unannotated``)."""
    seeds = sorted(results)

    def mean(run, key):
        return round(statistics.fmean(results[seed][run][key] for seed in seeds), 2)

    def std(run, key):
        return statistics.stdev(results[seed][run][key] for seed in seeds) if len(seeds) > 1 else 0.0

    columns = {'separate': [(f'separate_{s}', s) for s in SOURCES], 'naive': [('naive', s) for s in SOURCES],
               'aware': [('aware', s) for s in SOURCES],
               'naive_unannotated': [('naive', f'{s}_unannotated') for s in SOURCES],
               'aware_unannotated': [('aware', f'{s}_unannotated') for s in SOURCES]}
    summary = {f'{name}_AP': {s: mean(*col) for s, col in zip(SOURCES, cols)} for name, cols in columns.items()}
    summary['aware_over_separate'] = {
        s: round(summary['aware_AP'][s] / summary['separate_AP'][s], 3) if summary['separate_AP'][s] else None
        for s in SOURCES}
    summary.update(epochs=epochs, train_images=num_imgs, detector=detector, seeds=seeds)
    if len(seeds) > 1:  # standard deviations over the seeds, for the plot's error bars
        summary['std'] = {f'{name}_AP': {s: round(std(*col), 2) for s, col in zip(SOURCES, cols)}
                          for name, cols in columns.items()}
    print(f'\nToy cross-dataset pair, tiny {detector}, {epochs} epoch(s), seeds {seeds}: COCO box AP (%), '
          'mean' + (' ± standard deviation' if len(seeds) > 1 else ''))
    print(f'{"source":<8}' + ''.join(f'{name.replace("_unannotated", " unann."):>18}' for name in columns))
    for k, s in enumerate(SOURCES):
        cells = [f'{mean(*cols[k]):.2f}' + (f' ± {std(*cols[k]):.2f}' if len(seeds) > 1 else '')
                 for cols in columns.values()]
        print(f'{s:<8}' + ''.join(f'{c:>18}' for c in cells))
    return summary


def plot(summary: dict, path: str) -> None:
    """Bar plot: AP on each source's own classes and on the classes it leaves unannotated."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
    width = 0.25
    std = summary.get('std')

    def yerr(key):
        return [std[key][s] for s in SOURCES] if std else None

    for k, key in enumerate(('separate_AP', 'naive_AP', 'aware_AP')):
        axes[0].bar([i + (k - 1) * width for i in range(len(SOURCES))], [summary[key][s] for s in SOURCES],
                    width, yerr=yerr(key), capsize=3, label=key.split('_')[0])
    for k, key in enumerate(('naive_unannotated_AP', 'aware_unannotated_AP')):
        axes[1].bar([i + (k - 0.5) * width for i in range(len(SOURCES))], [summary[key][s] for s in SOURCES],
                    width, yerr=yerr(key), capsize=3, label=key.split('_')[0], color=f'C{k + 1}')
    if std:
        fig.suptitle(f'mean over seeds {summary["seeds"]}, error bars: standard deviation', fontsize=9)
    for ax, title in zip(axes, ("on the source's own classes", 'on the classes the source leaves unannotated')):
        ax.set_xticks(range(len(SOURCES)), [f'source {s}' for s in SOURCES])
        ax.set_ylabel('box AP (%)')
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmx.det.datasets import generate_toy_lvis, make_toy_cross_dataset

    generate_toy_lvis(args.toy_lvis)
    files = make_toy_cross_dataset(args.toy_lvis, args.data, num_train_per_source=args.num_train,
                                   num_val=args.num_val, shares=args.shares)
    num_imgs = {}
    for s in SOURCES:
        with open(files[s]['train']) as f:
            num_imgs[s] = len(json.load(f)['images'])
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    print(f'{epochs} epoch(s), training images per source: {num_imgs}, {args.num_val or "all"} validation '
          'images', flush=True)
    results = {}
    for seed in args.seeds:
        results[seed] = {}
        for run in [f'separate_{s}' for s in SOURCES] + list(RUNS):
            n = num_imgs[run.split('_', 1)[1]] if run.startswith('separate_') else sum(num_imgs.values())
            cfg = benchmark_cfg(run, epochs, seed, args.work_dir, args.data, args.toy_lvis, n, args.detector)
            results[seed][run] = run_one(cfg, f'{run} seed {seed}', args.reuse)
    summary = summarise(results, epochs, num_imgs, args.detector)
    path = args.plot or osp.join(args.work_dir, 'cross_dataset_ap.png')
    plot(summary, path)
    print(f'plot: {path}')
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
