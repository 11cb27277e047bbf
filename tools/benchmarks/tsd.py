"""The miniature TSD / adj-NMS / box-voting benchmark on the toy LVIS data (issue 4).

    python tools/benchmarks/tsd.py            # 3 epochs per model (about 45 min on 2 CPU cores, 1 h under load)
    python tools/benchmarks/tsd.py --quick    # 160 training images, 1 epoch (a few minutes)

Trains the tiny Faster R-CNN of ``configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py`` (mmdet's Shared2FC box
head) with seeds 0 and 1, and the same detector with the TSD head
(``configs/tsd/faster-rcnn_r18-tiny_fpn_tsd_3e_toy-lvis.py``, seed 0), all on the same schedule; then on the toy
validation split (LVISMetric, box AP in %):

* Shared2FC vs TSD;
* the Shared2FC seed-0 model's detections post-processed by NMS (IoU 0.5, the config's), Gaussian soft-NMS
  (σ = 0.5, ``torch_soft_nms``) and adj-NMS (NMS at 0.5, then Gaussian soft-NMS σ = 0.5, ``adj_nms``);
* the box-voting ensemble of the Shared2FC seeds (``tools/ensemble/box_voting.py``, IoU 0.55, equal weights) vs
  the best of them;
* the training-step time of TSD over Shared2FC (median over the same batches, the two models stepping in turn);
* the time of mmx's soft-NMS and adj-NMS over mmcv's compiled CPU ``soft_nms`` (Gaussian, σ = 0.5) on random
  boxes (x1, y1 uniform in [0, 1000), w, h uniform in [1, 101)) with random scores: 1k and 10k boxes, one class
  or 80 (mmcv gets the boxes shifted apart by class in one call, as its ``batched_nms`` does below 10k boxes);
  the fastest of 3 runs of each, interleaved; the outputs are checked to be the same boxes.

The last line is one JSON object with ``shared2fc_AP``, ``tsd_AP``, ``nms_AP``, ``soft_nms_AP``, ``adj_nms_AP``,
``single_best_AP``, ``ensemble_AP``, ``tsd_step_ratio``, ``soft_nms_vs_mmcv_time_ratio`` and
``adj_nms_vs_mmcv_soft_nms_time_ratio`` (the two ratios for 10k boxes of one class), plus the detailed timings.
"""
import argparse
import json
import os.path as osp
import runpy
import statistics
import sys
import time
from typing import Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SHARED2FC = 'configs/eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py'
TSD = 'configs/tsd/faster-rcnn_r18-tiny_fpn_tsd_3e_toy-lvis.py'
NMS_CFGS = {
    'nms': dict(type='nms', iou_threshold=0.5),
    'soft_nms': dict(type='torch_soft_nms', method='gaussian', sigma=0.5, min_score=1e-3),
    'adj_nms': dict(type='adj_nms', iou_threshold=0.5, sigma=0.5, min_score=1e-3),
}
FULL = dict(epochs=3, train_images=None, seeds=(0, 1))
QUICK = dict(epochs=1, train_images=160, seeds=(0, 1))
NMS_CASES = ((1000, 1), (10000, 1), (1000, 80), (10000, 80))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='TSD vs Shared2FC, NMS variants, box voting, NMS speed.')
    parser.add_argument('--quick', action='store_true', help='a small run of a few minutes')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_tsd'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data', 'toy_lvis'), help='toy LVIS folder (made if missing)')
    parser.add_argument('--skip-nms-speed', action='store_true', help='leave out the NMS timings (ratios NaN)')
    parser.add_argument('--epochs', type=int, help='override the epochs of the setting')
    parser.add_argument('--train-images', type=int, help='train on the first so many images only')
    parser.add_argument('--val-images', type=int, help='evaluate on the first so many validation images only')
    return parser.parse_args(argv)


def benchmark_cfg(config: str, name: str, seed: int, epochs: int, train_images: Optional[int], work_dir: str,
                  data_root: str, val_images: Optional[int] = None):
    """One model's config: the toy config with the benchmark's schedule, seed, data, and no validation."""
    from mmengine.config import Config

    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'benchmark_tsd_{name}'
    cfg.visualizer.name = f'benchmark_tsd_{name}'  # one visualizer (and log) per run
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1  # evaluated by the benchmark, with several NMS settings
    cfg.param_scheduler[1].update(end=epochs, milestones=[max(epochs - 1, 1)])
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    data_root = data_root.rstrip('/') + '/'
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
    if train_images is not None:
        cfg.train_dataloader.dataset.indices = train_images
    if val_images is not None:
        cfg.test_dataloader.dataset.indices = val_images
    cfg.val_evaluator.ann_file = cfg.test_evaluator.ann_file = data_root + 'annotations/lvis_v1_val.json'
    return cfg


def train(cfg, name: str):
    from mmengine.runner import Runner
    from mmengine.utils import ProgressBar

    runner = Runner.from_cfg(cfg)
    from mmengine.hooks import Hook

    class Progress(Hook):
        def before_train(self, runner) -> None:
            print(f'[{name}] training, {runner.max_iters} iterations', flush=True)
            self.bar = ProgressBar(runner.max_iters)

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            self.bar.update()

    runner.register_hook(Progress(), priority='VERY_LOW')
    runner.train()
    print(flush=True)
    return runner


def predict(runner, nms_cfg: dict, label: str) -> List[dict]:
    """The model's detections on the test split with ``nms_cfg`` as its R-CNN NMS (a list of data-sample dicts)."""
    import torch
    from mmengine.config import ConfigDict
    from mmengine.utils import ProgressBar

    model = runner.model
    model.eval()
    model.roi_head.test_cfg.nms = ConfigDict(nms_cfg)
    loader = runner.build_dataloader(runner.cfg.test_dataloader)
    print(f'[{label}] predicting, {len(loader)} batches', flush=True)
    bar = ProgressBar(len(loader))
    outputs = []
    with torch.no_grad():
        for batch in loader:
            outputs += [sample.to_dict() for sample in model.test_step(batch)]
            bar.update()
    print(flush=True)
    return outputs


def box_ap(samples: List[dict], runner) -> float:
    """LVIS box AP (%) of data-sample dicts on the toy validation split."""
    from mmdet.evaluation import LVISMetric
    from mmdet.registry import DATASETS
    metric = LVISMetric(ann_file=runner.cfg.test_evaluator.ann_file, metric='bbox')
    metric.dataset_meta = DATASETS.get(runner.cfg.test_dataloader.dataset.type).METAINFO.copy()
    metric.dataset_meta.update(runner.cfg.test_dataloader.dataset.metainfo)
    metric.process({}, samples)
    return 100 * float(metric.evaluate(len(samples))['lvis/bbox_AP'])


def to_detections(samples: List[dict]) -> Dict:
    p = lambda x: x.cpu().numpy()  # noqa: E731
    return {int(s['img_id']): (p(s['pred_instances']['bboxes']).astype('float64'),
                               p(s['pred_instances']['scores']).astype('float64'), p(s['pred_instances']['labels']))
            for s in samples}


def to_samples(dets: Dict, template: List[dict]) -> List[dict]:
    import torch
    out = []
    for s in template:
        boxes, scores, labels = dets[int(s['img_id'])]
        out.append(dict(img_id=s['img_id'], ori_shape=s['ori_shape'], pred_instances=dict(
            bboxes=torch.as_tensor(boxes, dtype=torch.float32), scores=torch.as_tensor(scores, dtype=torch.float32),
            labels=torch.as_tensor(labels, dtype=torch.long))))
    return out


def interleaved_step_ratio(a, b, num_batches: int = 6, rounds: int = 4) -> float:
    """Median training-step time of runner ``a`` over runner ``b``, on the same batches, taking turns."""
    times = {0: [], 1: []}
    batches = []
    for batch in b.build_dataloader(b.cfg.train_dataloader):
        batches.append(batch)
        if len(batches) == num_batches:
            break
    for r in range(rounds):
        for batch in batches:
            for k in (r % 2, 1 - r % 2):
                runner = (a, b)[k]
                runner.model.train()
                start = time.perf_counter()
                runner.model.train_step(batch, optim_wrapper=runner.optim_wrapper)
                if r > 0:  # the first round warms up
                    times[k].append(time.perf_counter() - start)
    return statistics.median(times[0]) / statistics.median(times[1])


def random_boxes(n: int, classes: int, seed: int = 0):
    import torch
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * 1000
    wh = torch.rand(n, 2, generator=g) * 100 + 1
    return torch.cat([xy, xy + wh], 1), torch.rand(n, generator=g), torch.randint(0, classes, (n,), generator=g)


def nms_speed(repeats: int = 3) -> List[dict]:
    """Times of mmcv's soft_nms, mmx's soft_nms and adj_nms on random boxes (see the module docstring)."""
    import torch
    from mmcv.ops import soft_nms as mmcv_soft_nms

    from mmx.det.post_processing import adj_nms, soft_nms

    rows = []
    for n, classes in NMS_CASES:
        boxes, scores, idxs = random_boxes(n, classes)
        shifted = boxes + (idxs.float() * 1101)[:, None]  # mmcv's batched_nms shifts classes apart like this
        runs = {
            'mmcv': lambda: mmcv_soft_nms(shifted, scores, 0.3, 0.5, 1e-3, 'gaussian'),
            'soft': lambda: soft_nms(boxes, scores, idxs, sigma=0.5, min_score=1e-3, method='gaussian'),
            'adj': lambda: adj_nms(boxes, scores, idxs, iou_threshold=0.5, sigma=0.5, min_score=1e-3),
        }
        best = {k: float('inf') for k in runs}
        out = {}
        for _ in range(repeats):
            for k, fn in runs.items():
                start = time.perf_counter()
                out[k] = fn()
                best[k] = min(best[k], time.perf_counter() - start)
        # mmcv sees coordinates shifted by up to 87k, where float32 rounding moves IoUs by about 1e-4
        same = sorted(out['mmcv'][1].tolist()) == sorted(out['soft'][1].tolist()) and torch.allclose(
            out['mmcv'][0][:, 4].sort().values, out['soft'][0][:, 4].sort().values, atol=1e-3)
        rows.append(dict(boxes=n, classes=classes, mmcv_s=best['mmcv'], soft_s=best['soft'], adj_s=best['adj'],
                         soft_ratio=best['soft'] / best['mmcv'], adj_ratio=best['adj'] / best['mmcv'], same_output=same))
        print(f'  {n:>6} boxes x {classes:>2} classes: mmcv {best["mmcv"]:.3f} s, mmx soft {best["soft"]:.3f} s '
              f'({rows[-1]["soft_ratio"]:.2f}x), adj {best["adj"]:.3f} s ({rows[-1]["adj_ratio"]:.2f}x), '
              f'same output: {same}', flush=True)
    return rows


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmx.det.datasets import generate_toy_lvis

    setting = dict(QUICK if args.quick else FULL)
    if args.epochs is not None:
        setting['epochs'] = args.epochs
    if args.train_images is not None:
        setting['train_images'] = args.train_images
    generate_toy_lvis(args.data)
    fuse = runpy.run_path(osp.join(ROOT, 'tools', 'ensemble', 'box_voting.py'), run_name='box_voting_tool')['fuse']
    results = {}
    if not args.skip_nms_speed:
        print('NMS speed (Gaussian soft-NMS, sigma 0.5), fastest of 3:', flush=True)
        speed = nms_speed()
    runners = {}
    for name, config, seed in [('shared2fc', SHARED2FC, 0), ('tsd', TSD, 0)] + [
            (f'shared2fc_seed{s}', SHARED2FC, s) for s in setting['seeds'][1:]]:
        cfg = benchmark_cfg(config, name, seed, setting['epochs'], setting['train_images'], args.work_dir, args.data,
                            args.val_images)
        runners[name] = train(cfg, name)
    base = runners['shared2fc']
    members = {}
    for name in ['shared2fc', 'tsd'] + [f'shared2fc_seed{s}' for s in setting['seeds'][1:]]:
        samples = predict(runners[name], NMS_CFGS['nms'], name)
        results[f'{name}_AP'] = box_ap(samples, base)
        if name.startswith('shared2fc'):
            members[name] = samples
    results['nms_AP'] = results['shared2fc_AP']
    for kind in ('soft_nms', 'adj_nms'):
        results[f'{kind}_AP'] = box_ap(predict(base, NMS_CFGS[kind], f'shared2fc, {kind}'), base)
    results['single_best_AP'] = max(results[f'{n}_AP'] for n in members)
    fused = fuse([to_detections(s) for s in members.values()], None, 0.55, 300, progress=True)
    results['ensemble_AP'] = box_ap(to_samples(fused, members['shared2fc']), base)
    print('timing training steps, TSD and Shared2FC in turn', flush=True)
    results['tsd_step_ratio'] = interleaved_step_ratio(runners['tsd'], base)
    ten_k = next(r for r in speed if r['boxes'] == 10000 and r['classes'] == 1) if not args.skip_nms_speed else None
    results['soft_nms_vs_mmcv_time_ratio'] = ten_k['soft_ratio'] if ten_k else float('nan')
    results['adj_nms_vs_mmcv_soft_nms_time_ratio'] = ten_k['adj_ratio'] if ten_k else float('nan')

    print(f'\nToy LVIS v1 val, tiny Faster R-CNN, {setting["epochs"]} epoch(s)'
          f'{"" if setting["train_images"] is None else ", " + str(setting["train_images"]) + " training images"}:'
          ' box AP (%)')
    for key in ('shared2fc_AP', 'tsd_AP', 'nms_AP', 'soft_nms_AP', 'adj_nms_AP', 'single_best_AP', 'ensemble_AP'):
        print(f'  {key:<16} {results[key]:6.2f}')
    print(f'  TSD step / Shared2FC step: {results["tsd_step_ratio"]:.3f}')
    summary = {k: round(v, 4) for k, v in results.items()}
    summary['ensemble_members'] = list(members)
    if not args.skip_nms_speed:
        summary['nms_speed'] = [{k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()} for r in speed]
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
