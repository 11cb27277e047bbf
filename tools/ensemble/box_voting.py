"""Box-voting ensemble of detectors (the OpenImages 2019 winners' ensemble, arXiv 2003.07557 §3), evaluated
with the dataset's mmdet metric.

    python tools/test.py CFG_A a.pth --out a.pkl        (mmdet result pickles; or COCO/LVIS result JSON)
    python tools/test.py CFG_B b.pth --out b.pkl
    python tools/ensemble/box_voting.py a.pkl b.pkl --config CFG_A [--weights 2 1] [--iou-thr 0.55]
        [--search-weights] [--expert e.pkl CFG_E] [--out fused.pkl | fused.json]

Per image and class, the boxes of all models are clustered by IoU (one box per model per cluster); a
cluster's box is the score-weighted mean of its boxes and its score the weighted mean of the models' scores,
a model without a box in the cluster counting 0 (``mmx.det.post_processing.box_voting``). ``--config`` names the test
dataset and the metric (its ``test_dataloader`` and ``test_evaluator``), e.g. a COCO, LVIS or OpenImages
config. ``--search-weights`` hill-climbs the model weights on that set: it tries each weight of
``--weight-grid`` for one model at a time and keeps a change when the metric improves, until a pass over
the models changes nothing (then evaluate on another split). An expert (``--expert RESULT CONFIG``, a
detector trained on a subset of classes, see configs/tsd/README.md) votes on its own classes only; its
labels are mapped to the main classes by name. Shows a progress bar over images, prints a row per model and
one for the ensemble, and as the last line a JSON object with the metrics and the weights.

Result pickles are loaded with a restricted unpickler (tensors, arrays and plain containers only), so a
tampered file cannot run code.
"""
import argparse
import io
import json
import os.path as osp
import pickle
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

# (module, name) a detection result pickle may reference; anything else is refused
_SAFE_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'), ('collections', 'OrderedDict'), ('numpy', 'ndarray'),
    ('numpy', 'dtype'), ('numpy._core.multiarray', '_reconstruct'), ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.multiarray', '_reconstruct'), ('numpy.core.multiarray', 'scalar'), ('builtins', 'set'),
    ('builtins', 'frozenset'), ('builtins', 'slice'), ('builtins', 'complex'),
}
_NUMPY_DTYPES = ('Float64DType', 'Float32DType', 'Int64DType', 'Int32DType', 'UInt8DType', 'BoolDType')


def _storage_from_bytes(data: bytes):
    import torch
    return torch.load(io.BytesIO(data), weights_only=True)


class _SafeUnpickler(pickle.Unpickler):

    def find_class(self, module: str, name: str):
        if (module, name) == ('torch.storage', '_load_from_bytes'):
            return _storage_from_bytes
        if (module, name) in _SAFE_GLOBALS or (module == 'numpy.dtypes' and name in _NUMPY_DTYPES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f'refusing to load {module}.{name}: a detection result file holds tensors, '
                                     'arrays and containers only')


def safe_load_pickle(path: str):
    """Load a result pickle without running code from it (see ``_SAFE_GLOBALS``)."""
    with open(path, 'rb') as f:
        return _SafeUnpickler(f).load()


Detections = Dict[int, Tuple[np.ndarray, np.ndarray, np.ndarray]]  # img_id -> boxes, scores, labels


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else np.asarray(x)


def load_detections(path: str, cat_ids: Sequence[int]) -> Detections:
    """One model's detections by image id: an mmdet result pickle (``tools/test.py --out``) or a COCO/LVIS
    result JSON (``[{image_id, category_id, bbox: [x, y, w, h], score}]``; ``cat_ids`` maps ids to labels)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'no result file {path}')
    dets: Detections = {}
    if path.endswith('.json'):
        with open(path) as f:
            records = json.load(f)
        if not isinstance(records, list):
            raise ValueError(f'{path}: expected a COCO-style list of detections')
        label_of = {c: i for i, c in enumerate(cat_ids)}
        per_img: Dict[int, list] = {}
        for r in records:
            try:
                per_img.setdefault(int(r['image_id']), []).append(
                    (*r['bbox'], float(r['score']), label_of[r['category_id']]))
            except KeyError as e:
                raise ValueError(f'{path}: a detection lacks {e} or has an unknown category') from None
        for img_id, rows in per_img.items():
            a = np.asarray(rows, dtype=np.float64)
            boxes = np.concatenate([a[:, :2], a[:, :2] + a[:, 2:4]], 1)
            dets[img_id] = (boxes, a[:, 4], a[:, 5].astype(np.int64))
        return dets
    results = safe_load_pickle(path)
    if not isinstance(results, list):
        raise ValueError(f'{path}: expected a list of per-image results (tools/test.py --out)')
    for i, r in enumerate(results):
        if not isinstance(r, dict) or 'img_id' not in r or 'pred_instances' not in r:
            raise ValueError(f'{path}: result {i} has no img_id / pred_instances')
        p = r['pred_instances']
        dets[int(r['img_id'])] = (_numpy(p['bboxes']).reshape(-1, 4).astype(np.float64),
                                  _numpy(p['scores']).reshape(-1).astype(np.float64),
                                  _numpy(p['labels']).reshape(-1).astype(np.int64))
    return dets


def fuse(runs: Sequence[Detections], weights: Optional[Sequence[float]] = None, iou_thr: float = 0.55,
         max_per_img: int = 100, model_classes: Optional[Sequence] = None, progress: bool = False) -> Detections:
    """Box voting over the images of the first run (a model without an image contributes nothing)."""
    from mmengine.utils import ProgressBar

    from mmx.det.post_processing import box_voting

    empty = (np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64))
    img_ids = sorted(runs[0])
    bar = ProgressBar(len(img_ids)) if progress else None
    fused: Detections = {}
    for img_id in img_ids:
        per_model = [run.get(img_id, empty) for run in runs]
        fused[img_id] = box_voting([d[0] for d in per_model], [d[1] for d in per_model], [d[2] for d in per_model],
                                   weights, iou_thr, max_per_img=max_per_img, model_classes=model_classes)
        if bar is not None:
            bar.update()
    if bar is not None:
        print(flush=True)
    return fused


class DatasetEvaluator:
    """The test set and metric of an mmdet config: evaluates detections given by image id."""

    def __init__(self, config: str, data_root: Optional[str] = None) -> None:
        from mmdet.registry import DATASETS
        from mmengine.config import Config
        from mmengine.evaluator import Evaluator
        from mmengine.registry import init_default_scope

        import mmx  # noqa: F401  registers mmx's datasets and metrics

        cfg = Config.fromfile(config)
        init_default_scope(cfg.get('default_scope', 'mmdet'))
        dataset_cfg = cfg.test_dataloader.dataset
        evaluator_cfg = cfg.test_evaluator
        if data_root is not None:
            old = dataset_cfg.data_root
            dataset_cfg.data_root = data_root
            for metric in (evaluator_cfg if isinstance(evaluator_cfg, list) else [evaluator_cfg]):
                if isinstance(metric.get('ann_file'), str) and metric.ann_file.startswith(old):
                    metric.ann_file = osp.join(data_root, metric.ann_file[len(old):])
        dataset_cfg.pipeline = []
        self.dataset = DATASETS.build(dataset_cfg)
        self.classes = tuple(self.dataset.metainfo['classes'])
        self.cat_ids = list(getattr(self.dataset, 'cat_ids', range(len(self.classes))))
        self._evaluator_cfg = evaluator_cfg
        self.dataset.full_init()
        self._info = {int(info['img_id']): info for info in
                      (self.dataset.get_data_info(i) for i in range(len(self.dataset)))}
        self._build = lambda: Evaluator(evaluator_cfg)

    def evaluate(self, dets: Detections) -> Dict[str, float]:
        import torch
        evaluator = self._build()
        evaluator.dataset_meta = self.dataset.metainfo
        empty = (np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64))
        samples = []
        for img_id, info in self._info.items():
            boxes, scores, labels = dets.get(img_id, empty)
            sample = {k: v for k, v in info.items() if k not in ('instances', 'img_path')}
            sample.update(img_id=img_id, ori_shape=(info['height'], info['width']),
                          pred_instances=dict(bboxes=torch.as_tensor(boxes, dtype=torch.float32),
                                              scores=torch.as_tensor(scores, dtype=torch.float32),
                                              labels=torch.as_tensor(labels, dtype=torch.long)))
            samples.append(sample)
        evaluator.process(samples, {})
        return evaluator.evaluate(len(samples))


def main_metric(metrics: Dict[str, float], key: Optional[str]) -> Tuple[str, float]:
    """The metric that ranks ensembles: ``key``, else the first box AP/mAP the metric reports."""
    if key is not None:
        if key not in metrics:
            raise KeyError(f'metric {key!r} not in {sorted(metrics)}')
        return key, float(metrics[key])
    for k in metrics:
        if k.endswith(('bbox_mAP', 'bbox_AP', '/mAP')):
            return k, float(metrics[k])
    raise KeyError(f'no box AP among {sorted(metrics)}; give --metric-key')


def search_weights(runs: Sequence[Detections], evaluator: DatasetEvaluator, grid: Sequence[float],
                   iou_thr: float, max_per_img: int, model_classes=None, key: Optional[str] = None,
                   max_passes: int = 3) -> Tuple[List[float], float, List[Tuple[List[float], float]]]:
    """Greedy (coordinate-wise hill-climbing) search of the model weights for the best metric.

    Returns:
        tuple: the best weights, their metric, and every (weights, metric) tried in order.
    """
    def score(w):
        return main_metric(evaluator.evaluate(fuse(runs, w, iou_thr, max_per_img, model_classes)), key)[1]

    weights = [1.0] * len(runs)
    best = score(weights)
    history = [(list(weights), best)]
    for _ in range(max_passes):
        changed = False
        for m in range(len(runs)):
            for value in grid:
                trial = list(weights)
                trial[m] = float(value)
                if trial == weights or sum(trial) <= 0:
                    continue
                value_score = score(trial)
                history.append((trial, value_score))
                print(f'  weights {trial}: {value_score:.4f}', flush=True)
                if value_score > best:
                    weights, best, changed = trial, value_score, True
        if not changed:
            break
    return weights, best, history


def save(dets: Detections, path: str, cat_ids: Sequence[int]) -> None:
    """Write fused detections as a COCO result JSON (``.json``) or an mmdet-style result pickle."""
    if path.endswith('.json'):
        records = [dict(image_id=img_id, category_id=int(cat_ids[int(lab)]),
                        bbox=[float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])], score=float(s))
                   for img_id, (boxes, scores, labels) in dets.items()
                   for b, s, lab in zip(boxes, scores, labels)]
        with open(path, 'w') as f:
            json.dump(records, f)
        return
    import torch
    results = [dict(img_id=img_id, pred_instances=dict(bboxes=torch.as_tensor(b, dtype=torch.float32),
                                                       scores=torch.as_tensor(s, dtype=torch.float32),
                                                       labels=torch.as_tensor(lab, dtype=torch.long)))
               for img_id, (b, s, lab) in dets.items()]
    with open(path, 'wb') as f:
        pickle.dump(results, f)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Box-voting ensemble of detection results.')
    parser.add_argument('results', nargs='+', help='result files of the global models (.pkl or .json)')
    parser.add_argument('--config', required=True, help='config whose test set and metric evaluate the results')
    parser.add_argument('--data-root', help='override the dataset root of --config')
    parser.add_argument('--weights', type=float, nargs='+', help='one weight per global model (default all 1)')
    parser.add_argument('--expert', nargs=2, action='append', default=[], metavar=('RESULT', 'CONFIG'),
                        help='an expert model: its result file and the config naming its classes (repeatable)')
    parser.add_argument('--expert-weight', type=float, default=1.0, help='weight of every expert (default 1)')
    parser.add_argument('--iou-thr', type=float, default=0.55, help='clustering IoU threshold (default 0.55)')
    parser.add_argument('--max-per-img', type=int, default=100, help='fused boxes kept per image (default 100)')
    parser.add_argument('--search-weights', action='store_true', help='greedy search of the model weights')
    parser.add_argument('--weight-grid', type=float, nargs='+', default=[0.0, 0.5, 1.0, 2.0, 3.0])
    parser.add_argument('--metric-key', help='the metric to maximise (default: the first box AP)')
    parser.add_argument('--out', help='write the fused detections (.json: COCO results; else a pickle)')
    args = parser.parse_args(argv)
    if args.weights is not None and len(args.weights) != len(args.results):
        parser.error(f'--weights needs {len(args.results)} values, got {len(args.weights)}')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    evaluator = DatasetEvaluator(args.config, args.data_root)
    runs = [load_detections(p, evaluator.cat_ids) for p in args.results]
    model_classes = [None] * len(runs)
    for result, config in args.expert:
        expert = DatasetEvaluator(config, args.data_root)
        unknown = set(expert.classes) - set(evaluator.classes)
        if unknown:
            raise ValueError(f'expert {config}: classes {sorted(unknown)} are not classes of {args.config}')
        to_main = np.array([evaluator.classes.index(c) for c in expert.classes])
        dets = load_detections(result, expert.cat_ids)
        runs.append({k: (b, s, to_main[lab]) for k, (b, s, lab) in dets.items()})
        model_classes.append(sorted(to_main.tolist()))
    names = [osp.basename(p) for p in args.results] + [osp.basename(r) + ' (expert)' for r, _ in args.expert]
    rows = []
    for name, run in zip(names, runs):
        key, value = main_metric(evaluator.evaluate(run), args.metric_key)
        rows.append((name, value))
    has_expert = any(c is not None for c in model_classes)
    classes_arg = model_classes if has_expert else None
    weights = list(args.weights or [1.0] * len(args.results)) + [args.expert_weight] * len(args.expert)
    if args.search_weights:
        weights, _, _ = search_weights(runs, evaluator, args.weight_grid, args.iou_thr, args.max_per_img,
                                       classes_arg, args.metric_key)
    fused = fuse(runs, weights, args.iou_thr, args.max_per_img, classes_arg, progress=True)
    metrics = evaluator.evaluate(fused)
    key, value = main_metric(metrics, args.metric_key)
    print(f'\n{"model":<40} {key}')
    for name, v in rows:
        print(f'{name:<40} {v:.4f}')
    print(f'{"ensemble":<40} {value:.4f}   weights {weights}')
    if args.out:
        save(fused, args.out, evaluator.cat_ids)
    summary = dict(metrics={k: float(v) for k, v in metrics.items()}, key=key, ensemble=value,
                   single={n: v for n, v in rows}, weights=weights)
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
