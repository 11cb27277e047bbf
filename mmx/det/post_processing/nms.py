"""Soft-NMS and adj-NMS in PyTorch (CPU and GPU), batched over classes.

Soft-NMS: Bodla et al., "Soft-NMS -- Improving Object Detection With One Line of Code", ICCV 2017
(arXiv 1704.04503). adj-NMS: the post-processing of the OpenImages 2019 winners (MMfruit, arXiv 2003.07557):
hard NMS, then Gaussian soft-NMS on the survivors.

``soft_nms`` gives the output of mmcv's compiled ``mmcv.ops.soft_nms`` (same selection, same decayed
scores up to the last bit, same order, same ``min_score`` rule, IoU computed with the same float operations),
but runs the sequential algorithm in parallel rounds instead of one box at a time:

* only pairs of boxes whose weight is below 1 can change each other's score, so the pairs are found first
  (boxes sorted by x1; dense IoU tiles of sorted boxes against the band of boxes they can overlap; pairs of
  different classes are dropped);
* a pending box whose pending neighbours all score lower is *ready*: nothing selected before it can decay it
  any more (scores only decrease), so the sequential algorithm would select it with its present score. Each
  round selects every ready box, decays their pending neighbours and drops those below ``min_score``. Ready
  boxes are never neighbours of each other. Rounds run over bands of boxes by original score, so that a round
  only looks at the pairs inside its band (see ``_select_in_rounds``).

A box decayed by several boxes of one round gets the product of their weights in another association order
than mmcv's sequential loop, which can change its score in the last bit (as mmcv's ``exp`` and PyTorch's do).

Shape shorthand: N boxes, K kept boxes, P candidate pairs.
"""
from typing import Optional, Tuple

import torch
from torch import Tensor

__all__ = ['soft_nms', 'adj_nms', 'torch_soft_nms', 'SOFT_NMS_METHODS']

SOFT_NMS_METHODS = ('naive', 'linear', 'gaussian')
# (survivor, suppressed) pairs per chunk in adj_nms(keep_suppressed=True) (bounds the memory)
_PAIR_CHUNK = 1 << 22
# sorted boxes per tile of the pair search
_ROW_TILE = 128
# boxes (by original score) per band of the parallel rounds
_BAND = 512


def _check_inputs(boxes: Tensor, scores: Tensor, idxs: Optional[Tensor], method: str, offset: int) -> None:
    if not isinstance(boxes, Tensor) or not isinstance(scores, Tensor):
        raise TypeError(f'boxes and scores must be tensors, got {type(boxes).__name__} and '
                        f'{type(scores).__name__}')
    if boxes.dim() != 2 or boxes.size(1) != 4:
        raise ValueError(f'boxes must have shape (N, 4), got {tuple(boxes.shape)}')
    if scores.shape != boxes.shape[:1]:
        raise ValueError(f'scores must have shape (N,) = ({boxes.size(0)},), got {tuple(scores.shape)}')
    if idxs is not None and idxs.shape != scores.shape:
        raise ValueError(f'idxs must have shape (N,) = ({boxes.size(0)},), got {tuple(idxs.shape)}')
    if method not in SOFT_NMS_METHODS:
        raise ValueError(f'method must be one of {SOFT_NMS_METHODS}, got {method!r}')
    if offset not in (0, 1):
        raise ValueError(f'offset must be 0 or 1, got {offset!r}')


def _pair_weights(boxes: Tensor, areas: Tensor, i: Tensor, j: Tensor, iou_threshold: float, sigma: float,
                  method: str, offset: int) -> Tensor:
    """The soft-NMS weight of each pair (i[p], j[p]), with mmcv's float operations (and so its rounding)."""
    xx1 = torch.maximum(boxes[i, 0], boxes[j, 0])
    yy1 = torch.maximum(boxes[i, 1], boxes[j, 1])
    xx2 = torch.minimum(boxes[i, 2], boxes[j, 2])
    yy2 = torch.minimum(boxes[i, 3], boxes[j, 3])
    inter = (xx2 - xx1 + offset).clamp(min=0) * (yy2 - yy1 + offset).clamp(min=0)
    return _weights(inter / (areas[i] + areas[j] - inter), iou_threshold, sigma, method)


def _weights(iou: Tensor, iou_threshold: float, sigma: float, method: str) -> Tensor:
    """The soft-NMS weights of IoUs, computed as mmcv computes them."""
    if method == 'gaussian':
        return torch.exp(-(iou * iou) / sigma)
    hit = iou >= iou_threshold
    if method == 'linear':
        return torch.where(hit, 1 - iou, torch.ones_like(iou))
    return torch.where(hit, torch.zeros_like(iou), torch.ones_like(iou))


def _neighbour_pairs(boxes: Tensor, areas: Tensor, idxs: Optional[Tensor], iou_threshold: float, sigma: float,
                     method: str, offset: int) -> Tuple[Tensor, Tensor, Tensor]:
    """The pairs (i, j, weight) of boxes of the same class whose soft-NMS weight is below 1, each pair once.

    Boxes are sorted by x1 (after shifting each class to its own x range, in float64 so that no pair is
    missed); box i can only overlap the boxes after it whose x1 is below its x2 + offset, so the IoUs are
    computed on dense tiles of ``_ROW_TILE`` sorted boxes against that band.
    """
    x1 = boxes[:, 0].double()
    x2 = boxes[:, 2].double() + offset
    if idxs is not None:
        span = float((x2.max() - x1.min()).clamp(min=0)) + 1.0
        shift = (idxs - idxs.min()).double() * span
        x1, x2 = x1 + shift, x2 + shift
    order = x1.argsort()
    end = torch.searchsorted(x1[order].contiguous(), x2[order].contiguous())  # first non-overlapping x1
    sx1, sy1, sx2, sy2 = (c.contiguous() for c in boxes.index_select(0, order).unbind(1))
    sareas = areas.index_select(0, order)
    scls = None if idxs is None else idxs[order]
    n = boxes.size(0)
    found_i, found_j, found_w = [], [], []
    for start in range(0, n, _ROW_TILE):
        stop = min(start + _ROW_TILE, n)
        col_end = int(end[start:stop].max())
        if col_end <= start + 1:
            continue
        rows, cols = slice(start, stop), slice(start, col_end)
        inter = ((torch.minimum(sx2[rows, None], sx2[None, cols]) - torch.maximum(sx1[rows, None], sx1[None, cols])
                  + offset).clamp(min=0)
                 * (torch.minimum(sy2[rows, None], sy2[None, cols]) - torch.maximum(sy1[rows, None], sy1[None, cols])
                    + offset).clamp(min=0))
        iou = inter / (sareas[start:stop, None] + sareas[None, start:col_end] - inter)
        w = _weights(iou, iou_threshold, sigma, method)
        row_ids = torch.arange(start, stop, device=boxes.device)[:, None]
        col_ids = torch.arange(start, col_end, device=boxes.device)[None, :]
        keep = (w < 1) & (col_ids > row_ids)
        if scls is not None:
            keep &= scls[start:stop, None] == scls[None, start:col_end]
        flat = keep.view(-1).nonzero().squeeze(1)
        width = col_end - start
        found_i.append(order.index_select(0, flat.div(width, rounding_mode='floor') + start))
        found_j.append(order.index_select(0, flat.remainder(width) + start))
        found_w.append(w.view(-1).index_select(0, flat))
    if not found_i:
        empty = boxes.new_zeros(0, dtype=torch.long)
        return empty, empty, boxes.new_zeros(0)
    return torch.cat(found_i), torch.cat(found_j), torch.cat(found_w)


def _gather_rows(rowptr: Tensor, cols: Tensor, weights: Optional[Tensor],
                 nodes: Tensor) -> Tuple[Tensor, Tensor, Optional[Tensor]]:
    """The adjacency entries (row, col, weight) of ``nodes`` from a CSR adjacency (weight None if not given)."""
    first = rowptr.index_select(0, nodes)
    deg = rowptr.index_select(0, nodes + 1) - first
    total = int(deg.sum())
    rows = nodes.repeat_interleave(deg, output_size=total)
    # entry k of the output is entry first[row] + (k - start of the row's segment) of the adjacency
    shift = (first - (deg.cumsum(0) - deg)).repeat_interleave(deg, output_size=total)
    at = torch.arange(total, device=nodes.device) + shift
    return rows, cols.index_select(0, at), None if weights is None else weights.index_select(0, at)


def _decay(scores: Tensor, lower: Tensor, weight: Tensor) -> None:
    """``scores[lower] *= weight``, multiplying all the weights that reach one box.

    The sequential algorithm multiplies them in the order of selection; the product here may associate them
    differently, which changes the score in the last bit at most (as ``exp`` on another library does).
    """
    if lower.numel():
        scores.scatter_reduce_(0, lower, weight, 'prod')


def _select_in_rounds(scores: Tensor, pending: Tensor, ei: Tensor, ej: Tensor, ew: Tensor,
                      min_score: float) -> Tensor:
    """Run soft-NMS on the neighbour pairs (ei, ej, ew) in parallel rounds; decays ``scores`` in place and
    returns the mask of the selected boxes.

    The boxes are visited in bands of ``_BAND`` boxes by original score. While the band's threshold τ holds,
    only boxes scoring at least τ now can be ready, and whether one is depends only on pending neighbours
    scoring higher, which also score at least τ: so each round looks at the edges inside the band only.
    The decays of a selected box reach all its neighbours through a CSR adjacency.
    """
    n = scores.numel()
    selected = torch.zeros_like(pending)
    rows = torch.cat([ei, ej])
    by_row = rows.argsort()
    cols = torch.cat([ej, ei]).index_select(0, by_row)
    weights = torch.cat([ew, ew]).index_select(0, by_row)
    rowptr = torch.zeros(n + 1, dtype=torch.long, device=scores.device)
    rowptr[1:] = torch.bincount(rows, minlength=n).cumsum(0)
    original = scores.clone()
    ranked = original.argsort(descending=True)
    for band_end in range(_BAND, n + _BAND, _BAND):
        tau = float(original[ranked[band_end - 1]]) if band_end < n else -float('inf')
        members = (pending & (original >= tau)).nonzero().squeeze(1)
        wi, wj, _ = _gather_rows(rowptr, cols, None, members)
        inside = torch.zeros_like(pending)
        inside.index_fill_(0, members, True)
        keep = (inside.index_select(0, wj) & (wi < wj)).nonzero().squeeze(1)
        wi, wj = wi.index_select(0, keep), wj.index_select(0, keep)
        while True:
            active = pending & (scores >= tau)
            keep = (active.index_select(0, wi) & active.index_select(0, wj)).nonzero().squeeze(1)
            if keep.numel() < wi.numel():
                wi, wj = wi.index_select(0, keep), wj.index_select(0, keep)
            si, sj = scores.index_select(0, wi), scores.index_select(0, wj)
            lower = torch.where((si > sj) | ((si == sj) & (wi < wj)), wj, wi)
            ready = active.index_fill(0, lower, False).nonzero().squeeze(1)
            if ready.numel() == 0:
                break
            pending.index_fill_(0, ready, False)
            selected.index_fill_(0, ready, True)
            _, low, w = _gather_rows(rowptr, cols, weights, ready)
            hit = pending.index_select(0, low).nonzero().squeeze(1)
            low = low.index_select(0, hit)
            _decay(scores, low, w.index_select(0, hit))
            pending.index_put_((low,), scores.index_select(0, low) >= min_score)
    return selected


def soft_nms(boxes: Tensor, scores: Tensor, idxs: Optional[Tensor] = None, iou_threshold: float = 0.3,
             sigma: float = 0.5, min_score: float = 1e-3, method: str = 'linear', offset: int = 0,
             max_num: int = -1) -> Tuple[Tensor, Tensor]:
    """Soft-NMS, per class when ``idxs`` is given, on the device of the inputs.

    The weight a selected box M gives to a pending box b is, with ``o = IoU(M, b)``: ``gaussian``
    ``exp(-o^2 / sigma)``; ``linear`` ``1 - o`` if ``o >= iou_threshold`` else 1; ``naive`` (hard NMS)
    0 if ``o >= iou_threshold`` else 1. A pending box whose decayed score falls below ``min_score`` is
    dropped (the first, highest-scoring box is always kept). Without ``idxs`` the result equals mmcv's
    ``soft_nms`` with the same arguments.

    Args:
        boxes (Tensor): (N, 4) boxes x1, y1, x2, y2.
        scores (Tensor): (N,) scores.
        idxs (Tensor, optional): (N,) class of each box; boxes of different classes never interact.
        iou_threshold (float): IoU threshold of the linear and naive methods. Defaults to 0.3.
        sigma (float): σ of the Gaussian method. Defaults to 0.5.
        min_score (float): score below which a decayed box is dropped. Defaults to 1e-3.
        method (str): 'linear', 'gaussian' or 'naive'. Defaults to 'linear'.
        offset (int): 0 or 1, added to widths and heights (x2 - x1 + offset). Defaults to 0.
        max_num (int): keep at most this many boxes (all if <= 0). Defaults to -1.

    Returns:
        tuple[Tensor, Tensor]: ``dets`` (K, 5), the kept boxes with their decayed scores, in the order of
        selection (decreasing score), and ``keep`` (K,), their indices into ``boxes``.
    """
    _check_inputs(boxes, scores, idxs, method, offset)
    n = boxes.size(0)
    if n == 0:
        return boxes.new_zeros(0, 5), boxes.new_zeros(0, dtype=torch.long)
    dtype = boxes.dtype
    boxes_f, scores_f = boxes.float().contiguous(), scores.detach().float().clone()
    areas = (boxes_f[:, 2] - boxes_f[:, 0] + offset) * (boxes_f[:, 3] - boxes_f[:, 1] + offset)
    ei, ej, ew = _neighbour_pairs(boxes_f, areas, idxs, iou_threshold, sigma, method, offset)
    # the first selection decays every other box by a weight <= 1, so every box starting below min_score
    # is dropped then, except the best box of each class (the first one selected in its class)
    pending = scores_f >= min_score
    if idxs is None:
        pending[scores_f.argmax()] = True
    else:
        best = torch.full((int(idxs.max()) - int(idxs.min()) + 1,), -float('inf'), device=boxes.device)
        cls = idxs - idxs.min()
        best = best.scatter_reduce(0, cls, scores_f, 'amax')
        is_best = scores_f == best[cls]
        # one box per class: the first of equal maxima
        first = torch.full_like(best, n, dtype=torch.long).scatter_reduce(
            0, cls[is_best], torch.arange(n, device=boxes.device)[is_best], 'amin')
        pending[first[first < n]] = True
    selected = _select_in_rounds(scores_f, pending, ei, ej, ew, min_score)
    keep = selected.nonzero().squeeze(1)
    kept_scores, order = scores_f[keep].sort(descending=True, stable=True)
    keep = keep[order]
    if max_num > 0:
        keep, kept_scores = keep[:max_num], kept_scores[:max_num]
    dets = torch.cat([boxes[keep], kept_scores.to(dtype)[:, None]], 1)
    return dets, keep


def adj_nms(boxes: Tensor, scores: Tensor, idxs: Optional[Tensor] = None, iou_threshold: float = 0.5,
            sigma: float = 0.5, min_score: float = 1e-3, keep_suppressed: bool = False, offset: int = 0,
            max_num: int = -1) -> Tuple[Tensor, Tensor]:
    """adj-NMS: hard NMS at ``iou_threshold``, then Gaussian soft-NMS (σ = ``sigma``) on the survivors.

    The report (arXiv 2003.07557, §3) describes adj-NMS in one sentence: NMS at IoU 0.5 first, then soft-NMS
    "to re-weight the scores of the other boxes". Which boxes are "the other boxes" is ambiguous, so both
    readings are offered:

    * ``keep_suppressed=False``: the survivors of hard NMS are re-scored by Gaussian soft-NMS among
      themselves, and the suppressed boxes are gone;
    * ``keep_suppressed=True``: as above, and each box hard NMS suppressed comes back with its score
      multiplied by ``exp(-IoU^2 / sigma)`` for every survivor that scores higher than it originally did
      (which includes the box that suppressed it).

    Boxes whose score ends below ``min_score`` are dropped in both.

    Args:
        boxes (Tensor): (N, 4) boxes x1, y1, x2, y2.
        scores (Tensor): (N,) scores.
        idxs (Tensor, optional): (N,) class of each box; boxes of different classes never interact.
        iou_threshold (float): IoU threshold of the hard NMS. Defaults to 0.5.
        sigma (float): σ of the Gaussian re-weighting. Defaults to 0.5.
        min_score (float): boxes scoring below it are dropped. Defaults to 1e-3.
        keep_suppressed (bool): bring back the suppressed boxes with decayed scores. Defaults to False.
        offset (int): 0 or 1, added to widths and heights. Defaults to 0.
        max_num (int): keep at most this many boxes (all if <= 0). Defaults to -1.

    Returns:
        tuple[Tensor, Tensor]: ``dets`` (K, 5) boxes with their new scores, by decreasing score, and
        ``keep`` (K,), their indices into ``boxes``.
    """
    from mmcv.ops import nms as hard_nms

    _check_inputs(boxes, scores, idxs, 'gaussian', offset)
    if boxes.size(0) == 0:
        return boxes.new_zeros(0, 5), boxes.new_zeros(0, dtype=torch.long)
    boxes_f, scores_f = boxes.float().contiguous(), scores.detach().float().contiguous()
    # hard NMS per class: mmcv's compiled op (CPU and CUDA) on boxes shifted apart by class, as mmcv's
    # batched_nms does; the shift is used for the suppression only
    shifted = boxes_f
    if idxs is not None:
        shifted = boxes_f + ((idxs - idxs.min()).float() * (boxes_f.max() - boxes_f.min() + 1 + offset))[:, None]
    _, survivors = hard_nms(shifted, scores_f, iou_threshold, offset=offset)
    sub_idxs = None if idxs is None else idxs[survivors]
    dets, sub_keep = soft_nms(boxes_f[survivors], scores_f[survivors], sub_idxs, sigma=sigma, min_score=min_score,
                              method='gaussian', offset=offset)
    keep, new_scores = survivors[sub_keep], dets[:, 4]
    if keep_suppressed:
        suppressed = torch.ones_like(scores_f, dtype=torch.bool)
        suppressed[survivors] = False
        sup = suppressed.nonzero().squeeze(1)
        areas = (boxes_f[:, 2] - boxes_f[:, 0] + offset) * (boxes_f[:, 3] - boxes_f[:, 1] + offset)
        decayed = scores_f[sup].clone()
        # (survivors x suppressed) in chunks: survivors are few after hard NMS
        chunk = max(1, _PAIR_CHUNK // max(1, survivors.numel()))
        for start in range(0, sup.numel(), chunk):
            part = sup[start:start + chunk]
            i = survivors[:, None].expand(-1, part.numel()).reshape(-1)
            j = part[None, :].expand(survivors.numel(), -1).reshape(-1)
            w = _pair_weights(boxes_f, areas, i, j, 0.0, sigma, 'gaussian', offset).view(survivors.numel(), -1)
            above = scores_f[survivors][:, None] > scores_f[part][None, :]
            if idxs is not None:
                above &= idxs[survivors][:, None] == idxs[part][None, :]
            decayed[start:start + chunk] *= torch.where(above, w, torch.ones_like(w)).prod(0)
        back = decayed >= min_score
        keep = torch.cat([keep, sup[back]])
        new_scores = torch.cat([new_scores, decayed[back]])
        new_scores, order = new_scores.sort(descending=True, stable=True)
        keep = keep[order]
    if max_num > 0:
        keep, new_scores = keep[:max_num], new_scores[:max_num]
    return torch.cat([boxes[keep], new_scores.to(boxes.dtype)[:, None]], 1), keep


def torch_soft_nms(boxes: Tensor, scores: Tensor, iou_threshold: float = 0.3, sigma: float = 0.5,
                   min_score: float = 1e-3, method: str = 'linear', offset: int = 0) -> Tuple[Tensor, Tensor]:
    """:func:`soft_nms` with the signature of ``mmcv.ops.soft_nms``, for ``nms=dict(type='torch_soft_nms')``
    in an mmdet ``test_cfg`` (mmcv's ``batched_nms`` has already shifted the boxes apart by class)."""
    return soft_nms(boxes, scores, None, iou_threshold, sigma, min_score, method, offset)
