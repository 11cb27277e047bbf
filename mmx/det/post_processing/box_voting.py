"""Box voting: fuse the detections of several models (or test-time augmentations) of one image.

The OpenImages 2019 winners (MMfruit, arXiv 2003.07557, §3) ensembled 28 models by "voting the bounding box
location and confidence"; the report gives no formula, so this follows the reading of the paper notes
(`shared/papers/tsd_adjnms_ensemble.md` §3.2), close to Weighted Boxes Fusion (Solovyev et al., arXiv
1910.13302):

* per class, boxes of all models are visited by decreasing score; each joins the cluster whose fused box it
  overlaps most (IoU > ``iou_thr``) among the clusters that hold no box of its model yet, or starts one;
* a cluster's box is the mean of its boxes weighted by score x model weight;
* its score is ``sum_m w_m s_m / sum_m w_m`` over *all* models, where ``s_m`` is the score of model m's box
  in the cluster and 0 if model m has none: a box that only some models found is voted down.

One box per model per cluster makes the ensemble of a single model its own detections.

Shape shorthand: M models, N_m boxes of model m, K fused boxes.
"""
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.models.test_time_augs import DetTTAModel
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_flip
from mmengine.structures import InstanceData

__all__ = ['box_voting', 'BoxVotingTTAModel']


def _iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    w = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    h = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = w * h
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def box_voting(boxes: Sequence[np.ndarray], scores: Sequence[np.ndarray], labels: Sequence[np.ndarray],
               weights: Optional[Sequence[float]] = None, iou_thr: float = 0.55, score_thr: float = 0.0,
               max_per_img: int = -1, model_classes: Optional[Sequence[Optional[Sequence[int]]]] = None
               ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fuse the detections of M models on one image by box voting (see the module docstring).

    Args:
        boxes (Sequence[np.ndarray]): per model, (N_m, 4) boxes x1, y1, x2, y2.
        scores (Sequence[np.ndarray]): per model, (N_m,) scores.
        labels (Sequence[np.ndarray]): per model, (N_m,) class indices.
        weights (Sequence[float], optional): M non-negative model weights, not all 0. Defaults to all 1.
        iou_thr (float): a box joins a cluster whose fused box it overlaps by more than this. Defaults to 0.55.
        score_thr (float): boxes scoring at most this are ignored. Defaults to 0.
        max_per_img (int): keep the best so many fused boxes (all if <= 0). Defaults to -1.
        model_classes (Sequence, optional): per model, the classes it detects (None: all). An expert model
            votes on its classes only; for a class, the scores are averaged over the models that detect it.
            Defaults to all models detecting all classes.

    Returns:
        tuple[np.ndarray, np.ndarray, np.ndarray]: fused (K, 4) boxes, (K,) scores and (K,) labels, by
        decreasing score.
    """
    num_models = len(boxes)
    if num_models == 0 or not (len(scores) == len(labels) == num_models):
        raise ValueError(f'box_voting needs the same number (> 0) of boxes, scores and labels arrays, got '
                         f'{len(boxes)}, {len(scores)}, {len(labels)}')
    weights = np.ones(num_models) if weights is None else np.asarray(weights, dtype=np.float64)
    if weights.shape != (num_models,) or (weights < 0).any() or weights.sum() <= 0:
        raise ValueError(f'weights must be {num_models} non-negative numbers, not all 0, got {weights.tolist()}')
    if model_classes is not None and len(model_classes) != num_models:
        raise ValueError(f'model_classes must give one entry per model ({num_models}), got {len(model_classes)}')
    all_boxes, all_scores, all_labels, all_models = [], [], [], []
    for m in range(num_models):
        b = np.asarray(boxes[m], dtype=np.float64).reshape(-1, 4)
        s = np.asarray(scores[m], dtype=np.float64).reshape(-1)
        lab = np.asarray(labels[m]).reshape(-1).astype(np.int64)
        if not (len(b) == len(s) == len(lab)):
            raise ValueError(f'model {m}: {len(b)} boxes, {len(s)} scores and {len(lab)} labels')
        keep = (s > score_thr) & (weights[m] > 0)
        if model_classes is not None and model_classes[m] is not None:
            keep &= np.isin(lab, np.asarray(list(model_classes[m]), dtype=np.int64))
        all_boxes.append(b[keep])
        all_scores.append(s[keep])
        all_labels.append(lab[keep])
        all_models.append(np.full(int(keep.sum()), m))
    b, s, lab, mod = (np.concatenate(x) for x in (all_boxes, all_scores, all_labels, all_models))
    out_boxes, out_scores, out_labels = [], [], []
    for c in np.unique(lab):
        idx = np.nonzero(lab == c)[0]
        idx = idx[np.argsort(-s[idx], kind='stable')]
        fused = np.zeros((len(idx), 4))  # the clusters' fused boxes (first n_clusters rows)
        box_sum = np.zeros((len(idx), 4))
        weight_sum = np.zeros(len(idx))
        votes = np.zeros((len(idx), num_models))  # score of each model's box in each cluster
        n_clusters = 0
        for i in idx:
            wi = s[i] * weights[mod[i]]
            target = -1
            if n_clusters:
                ious = _iou_one_to_many(b[i], fused[:n_clusters])
                ious[votes[:n_clusters, mod[i]] > 0] = -1  # one box per model per cluster
                best = int(ious.argmax())
                if ious[best] > iou_thr:
                    target = best
            if target < 0:
                target = n_clusters
                n_clusters += 1
            box_sum[target] += wi * b[i]
            weight_sum[target] += wi
            fused[target] = box_sum[target] / max(weight_sum[target], 1e-12)
            votes[target, mod[i]] = s[i]
        out_boxes.append(fused[:n_clusters])
        voters = weights.copy()
        if model_classes is not None:
            voters *= [mc is None or int(c) in set(mc) for mc in model_classes]
        out_scores.append(votes[:n_clusters] @ voters / voters.sum())
        out_labels.append(np.full(n_clusters, c))
    if not out_boxes:
        return np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=np.int64)
    fb, fs, fl = np.concatenate(out_boxes), np.concatenate(out_scores), np.concatenate(out_labels)
    order = np.argsort(-fs, kind='stable')
    if max_per_img > 0:
        order = order[:max_per_img]
    return fb[order], fs[order], fl[order]


@MODELS.register_module()
class BoxVotingTTAModel(DetTTAModel):
    """Test-time augmentation merged by box voting instead of mmdet's ``DetTTAModel`` NMS.

    Each augmented view votes like one model of an ensemble (:func:`box_voting`): flipped boxes are flipped
    back, then fused per class. Use it as ``tta_model = dict(type='BoxVotingTTAModel', tta_cfg=dict(
    iou_thr=0.55, max_per_img=100, weights=None))``; ``weights`` gives one weight per view, in the order of the
    TTA pipeline's views.

    Args:
        tta_cfg (dict): ``iou_thr`` (default 0.55), ``score_thr`` (0), ``max_per_img`` (100), ``weights``.
    """

    def _merge_single_sample(self, data_samples: List) -> object:
        cfg = self.tta_cfg or {}
        unknown = set(cfg) - {'iou_thr', 'score_thr', 'max_per_img', 'weights'}
        if unknown:
            raise KeyError(f'BoxVotingTTAModel tta_cfg: unknown keys {sorted(unknown)}')
        boxes, scores, labels = [], [], []
        for sample in data_samples:
            pred = sample.pred_instances
            if pred.get('masks', None) is not None:
                raise ValueError('BoxVotingTTAModel merges boxes only; drop the masks or use mmdet NMS TTA')
            bboxes = pred.bboxes
            if sample.metainfo.get('flip', False):
                bboxes = bbox_flip(bboxes, sample.metainfo['ori_shape'], sample.metainfo['flip_direction'])
            boxes.append(bboxes.detach().cpu().numpy())
            scores.append(pred.scores.detach().cpu().numpy())
            labels.append(pred.labels.detach().cpu().numpy())
        fb, fs, fl = box_voting(boxes, scores, labels, cfg.get('weights'), cfg.get('iou_thr', 0.55),
                                cfg.get('score_thr', 0.0), cfg.get('max_per_img', 100))
        device = data_samples[0].pred_instances.bboxes.device
        merged = data_samples[0]
        results = InstanceData()
        results.bboxes = torch.as_tensor(fb, dtype=torch.float32, device=device)
        results.scores = torch.as_tensor(fs, dtype=torch.float32, device=device)
        results.labels = torch.as_tensor(fl, dtype=torch.long, device=device)
        merged.pred_instances = results
        return merged
