"""Score-level ensemble of video recognisers over saved test results, scored with the dataset's metric.

The Multi-Moments-in-Time 2019 winners (Zhang, Shao et al., arXiv 2003.05837) averaged the class scores of
TSN, TSM, TIN and SlowFast models: 67.22 mAP on validation where the best single model had about 62. This
tool does the same for any mmaction2 models:

    python tools/test.py configs/tin/tin_r50_8xb16-1x1x8-50e_mmit-rgb.py tin.pth --out tin.pkl
    python tools/test.py configs/tin/tsm_r50_8xb16-1x1x8-50e_mmit-rgb.py tsm.pth --out tsm.pkl
    python tools/ensemble/video_scores.py tin.pkl tsm.pkl --weights 2 1 --activation sigmoid [--out ens.pkl]

Each input is the pickle that ``tools/test.py --out`` (mmengine's DumpResults) writes: one dict per video
with ``pred_score`` and ``gt_label``. The files must list the same videos (matched by their file name, or by
position if they have none) with the same labels. Scores are optionally activated per model (``softmax``
for single-label logits, ``sigmoid`` for multi-label logits; ``none`` keeps them, e.g. mmaction2's
``average_clips='prob'`` probabilities), then averaged with the weights. The metric follows the labels:
top-1 / top-5 / mean class accuracy for single-label data, the per-video (MMiT) and per-class mAP for
multi-hot labels. Prints one row per model and one for the ensemble, then the ensemble's metrics as JSON.

Pickles run code when loaded: only combine result files you made yourself.
"""
import argparse
import json
from typing import Dict, List, Optional, Sequence

import numpy as np

ACTIVATIONS = ('none', 'softmax', 'sigmoid')
_NAME_KEYS = ('filename', 'frame_dir', 'video_id')


def _to_numpy(value) -> np.ndarray:
    return value.detach().cpu().numpy() if hasattr(value, 'detach') else np.asarray(value)


def load_results(path: str) -> List[dict]:
    """The per-video dicts of one result file, with ``pred_score``/``gt_label`` as numpy arrays."""
    from mmengine.fileio import load
    results = load(path)
    if not isinstance(results, list) or not results:
        raise ValueError(f'{path}: expected a non-empty list of per-video results (tools/test.py --out)')
    for i, result in enumerate(results):
        if not isinstance(result, dict) or 'pred_score' not in result or 'gt_label' not in result:
            raise ValueError(f'{path}: result {i} has no pred_score / gt_label')
    return [dict(r, pred_score=_to_numpy(r['pred_score']).reshape(-1), gt_label=_to_numpy(r['gt_label']).reshape(-1))
            for r in results]


def _names(results: Sequence[dict]) -> Optional[List[str]]:
    for key in _NAME_KEYS:
        if all(key in r for r in results):
            return [str(r[key]) for r in results]
    return None


def align(runs: Dict[str, List[dict]]) -> Dict[str, List[dict]]:
    """Put every run's videos in the first run's order (by file name) and check that the labels agree."""
    first_name, first = next(iter(runs.items()))
    names = _names(first)
    aligned = {}
    for name, results in runs.items():
        if len(results) != len(first):
            raise ValueError(f'{name} has {len(results)} videos, {first_name} has {len(first)}')
        other = _names(results)
        if names is not None and other is not None:
            index = {n: i for i, n in enumerate(other)}
            missing = [n for n in names if n not in index]
            if missing:
                raise ValueError(f'{name} lacks {len(missing)} videos of {first_name}, e.g. {missing[0]}')
            results = [results[index[n]] for n in names]
        for i, (a, b) in enumerate(zip(first, results)):
            if a['gt_label'].shape != b['gt_label'].shape or not np.array_equal(a['gt_label'], b['gt_label']):
                raise ValueError(f'video {i}: {name} and {first_name} have different labels')
            if a['pred_score'].shape != b['pred_score'].shape:
                raise ValueError(f'video {i}: {name} and {first_name} score different numbers of classes')
        aligned[name] = results
    return aligned


def activate(scores: np.ndarray, activation: str) -> np.ndarray:
    """(N, C) scores through ``activation`` ('none', 'softmax' over classes, 'sigmoid')."""
    scores = scores.astype(np.float64)
    if activation == 'softmax':
        shifted = np.exp(scores - scores.max(1, keepdims=True))
        return shifted / shifted.sum(1, keepdims=True)
    if activation == 'sigmoid':
        return 1 / (1 + np.exp(-scores))
    if activation == 'none':
        return scores
    raise ValueError(f'activation must be one of {ACTIVATIONS}, got {activation!r}')


def ensemble(score_sets: Sequence[np.ndarray], weights: Optional[Sequence[float]] = None) -> np.ndarray:
    """The weighted mean of several (N, C) score arrays."""
    weights = np.ones(len(score_sets)) if weights is None else np.asarray(weights, dtype=np.float64)
    if len(weights) != len(score_sets) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f'need one non-negative weight per model ({len(score_sets)}), not all 0; got {list(weights)}')
    return sum(w * s for w, s in zip(weights, score_sets)) / weights.sum()


def is_multilabel(labels: np.ndarray) -> bool:
    """Multi-hot (N, C) labels, as opposed to one class index per video (N, 1)."""
    return labels.ndim == 2 and labels.shape[1] > 1


def evaluate(scores: np.ndarray, labels: np.ndarray) -> Dict[str, float]:
    """The dataset's metrics in %: top-1/top-5/mean class accuracy, or the MMiT (per-video) and per-class
    mAP for multi-hot labels (mmaction2's functions, as its AccMetric computes them)."""
    from mmaction.evaluation import (mean_average_precision, mean_class_accuracy, mmit_mean_average_precision,
                                     top_k_accuracy)
    if is_multilabel(labels):
        with np.errstate(invalid='ignore', divide='ignore'):  # classes without positives are skipped
            return dict(mmit_mAP=100 * float(mmit_mean_average_precision(list(scores), list(labels))),
                        mAP=100 * float(mean_average_precision(list(scores), list(labels))))
    labels = labels.reshape(-1).astype(np.int64)
    top1, top5 = top_k_accuracy(list(scores), labels, (1, min(5, scores.shape[1])))
    return dict(top1=100 * float(top1), top5=100 * float(top5),
                mean_class_accuracy=100 * float(mean_class_accuracy(list(scores), labels)))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Average the class scores of several video models.')
    parser.add_argument('results', nargs='+', help='result pickles of tools/test.py --out, one per model')
    parser.add_argument('--weights', nargs='+', type=float, help='one weight per model (default: equal)')
    parser.add_argument('--activation', choices=ACTIVATIONS, default='none',
                        help='applied to each model\'s scores before averaging (default: none)')
    parser.add_argument('--out', help='write the ensemble\'s results (same format) to this pickle')
    args = parser.parse_args(argv)
    if args.weights is not None and len(args.weights) != len(args.results):
        parser.error(f'--weights needs {len(args.results)} values, got {len(args.weights)}')
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    import mmx  # noqa: F401  compatibility fixes (mmaction2's models are imported by its evaluation package)

    runs = align({path: load_results(path) for path in args.results})
    first = next(iter(runs.values()))
    labels = np.stack([r['gt_label'] for r in first])
    scores = {name: activate(np.stack([r['pred_score'] for r in results]), args.activation)
              for name, results in runs.items()}
    rows = {name: evaluate(s, labels) for name, s in scores.items()}
    combined = ensemble(list(scores.values()), args.weights)
    rows['ensemble'] = evaluate(combined, labels)
    keys = list(rows['ensemble'])
    width = max(len(name) for name in rows) + 2
    print(f'{len(labels)} videos, activation {args.activation}, weights {args.weights or "equal"}')
    print(f'{"model":<{width}}' + ''.join(f'{k:>22}' for k in keys))
    for name, row in rows.items():
        print(f'{name:<{width}}' + ''.join(f'{row[k]:>22.2f}' for k in keys))
    if args.out:
        from mmengine.fileio import dump
        dump([dict(r, pred_score=s) for r, s in zip(first, combined)], args.out)
    summary = {k: round(v, 2) for k, v in rows['ensemble'].items()}
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
