"""Text-image retrieval recall (VSE++/SCAN/CAMP protocol) as a pure function and an mmengine metric."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmx.registry import METRICS

__all__ = ['retrieval_ranks', 'retrieval_recall', 'CrossModalRecall']


def retrieval_ranks(i2t: torch.Tensor, t2i: Optional[torch.Tensor] = None,
                    caps_per_image: int = 5) -> Dict[str, torch.Tensor]:
    """0-based rank of the ground truth of every query.

    Image i owns captions ``i*K .. i*K + K-1``. An image query's rank is the best rank of its K captions
    among all captions; a caption query's rank is its image's rank among all images. Ties are broken by
    index (as a stable descending sort would), so constant scores give no free hits.

    Args:
        i2t (Tensor): (N, N*K) scores used to rank captions for each image.
        t2i (Tensor, optional): (N, N*K) scores used to rank images for each caption (defaults to
            ``i2t``; they differ only for two-stage scoring).
        caps_per_image (int): K. Defaults to 5.

    Returns:
        dict: ``i2t`` (N,) and ``t2i`` (N*K,) int64 ranks.
    """
    t2i = i2t if t2i is None else t2i
    if i2t.dim() != 2 or i2t.shape != t2i.shape:
        raise ValueError(f'i2t and t2i must be (N, N*K) matrices of one shape, got {tuple(i2t.shape)} and '
                         f'{tuple(t2i.shape)}')
    num_img, num_txt = i2t.shape
    if num_img == 0 or num_txt != num_img * caps_per_image:
        raise ValueError(f'expected {caps_per_image} captions per image: a (N, {caps_per_image}N) score matrix '
                         f'with N >= 1, got {tuple(i2t.shape)}')
    i2t, t2i = i2t.float(), t2i.float()
    cols = torch.arange(num_txt, device=i2t.device)
    best = torch.full((num_img, ), num_txt, dtype=torch.long, device=i2t.device)
    for k in range(caps_per_image):
        gt_col = torch.arange(num_img, device=i2t.device) * caps_per_image + k
        gt = i2t.gather(1, gt_col[:, None])
        rank = (i2t > gt).sum(1) + ((i2t == gt) & (cols[None] < gt_col[:, None])).sum(1)
        best = torch.minimum(best, rank)
    gt_row = cols // caps_per_image
    gt = t2i.gather(0, gt_row[None])
    rows = torch.arange(num_img, device=i2t.device)[:, None]
    t2i_rank = (t2i > gt).sum(0) + ((t2i == gt) & (rows < gt_row[None])).sum(0)
    return dict(i2t=best, t2i=t2i_rank)


def retrieval_recall(i2t: torch.Tensor, t2i: Optional[torch.Tensor] = None, caps_per_image: int = 5,
                     topk: Sequence[int] = (1, 5, 10), num_folds: int = 1) -> Dict[str, float]:
    """R@K (percent) in both directions, their sum (rsum), median and mean rank (1-based).

    With ``num_folds > 1`` the images are cut into that many equal consecutive folds, each scored only
    against its own captions (the diagonal blocks of the matrix), and every figure is the mean over
    folds: COCO 1K is ``num_folds=5`` on the 5000-image test set, COCO 5K ``num_folds=1``.

    Args:
        i2t, t2i, caps_per_image: as in :func:`retrieval_ranks`.
        topk (Sequence[int]): the K of R@K. Defaults to (1, 5, 10).
        num_folds (int): Defaults to 1.

    Returns:
        dict[str, float]: ``i2t_R1`` .. ``t2i_R10``, ``rsum``, ``i2t_medr``, ``i2t_meanr``, ``t2i_medr``,
        ``t2i_meanr``.
    """
    t2i = i2t if t2i is None else t2i
    num_img = i2t.shape[0]
    if num_folds < 1 or num_img % num_folds:
        raise ValueError(f'{num_img} images cannot be split into {num_folds} equal folds')
    size = num_img // num_folds
    folds = []
    for f in range(num_folds):
        rows, cols = slice(f * size, (f + 1) * size), slice(f * size * caps_per_image,
                                                           (f + 1) * size * caps_per_image)
        ranks = retrieval_ranks(i2t[rows, cols], t2i[rows, cols], caps_per_image)
        res = {}
        for direction in ('i2t', 't2i'):
            r = ranks[direction].double()
            for k in topk:
                res[f'{direction}_R{k}'] = 100.0 * (r < k).double().mean().item()
            res[f'{direction}_medr'] = float(np.floor(np.median(r.cpu().numpy()))) + 1
            res[f'{direction}_meanr'] = r.mean().item() + 1
        res['rsum'] = sum(res[f'{d}_R{k}'] for d in ('i2t', 't2i') for k in topk)
        folds.append(res)
    return {key: sum(f[key] for f in folds) / num_folds for key in folds[0]}


@METRICS.register_module()
class CrossModalRecall(BaseMetric):
    """Image->text and text->image R@1/5/10, rsum, median and mean rank of a full score matrix.

    The retrieval loops (:class:`~mmx.retrieval.evaluation.loops.CrossModalRetrievalValLoop`) hand it
    one predicted sample per evaluation: a dict with ``i2t`` and ``t2i`` (N, N*K) score matrices (equal
    for exhaustive scoring). Unlike mmpretrain's ``RetrievalRecall`` it reports rsum and ranks and
    averages COCO's 1K folds; unlike mmaction2's ``RetrievalMetric`` it handles K captions per image.

    Output keys: ``'{prefix}/i2t_R1'`` ... ``'{prefix}/rsum'``, ``'{prefix}/i2t_medr'`` ...

    Args:
        num_folds (int): 5 for COCO 1K (mean over folds of 1000 images), 1 otherwise. Defaults to 1.
        caps_per_image (int): Defaults to 5.
        topk (Sequence[int]): Defaults to (1, 5, 10).
        collect_device (str): Defaults to ``'cpu'``.
        prefix (str, optional): Defaults to ``'retrieval'``.
    """

    default_prefix = 'retrieval'

    def __init__(self, num_folds: int = 1, caps_per_image: int = 5, topk: Sequence[int] = (1, 5, 10),
                 collect_device: str = 'cpu', prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        if num_folds < 1 or caps_per_image < 1 or not topk or min(topk) < 1:
            raise ValueError(f'invalid CrossModalRecall settings: num_folds={num_folds}, '
                             f'caps_per_image={caps_per_image}, topk={topk}')
        self.num_folds, self.caps_per_image, self.topk = num_folds, caps_per_image, tuple(topk)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            if 'i2t' not in sample:
                raise KeyError(f'CrossModalRecall needs an "i2t" score matrix, got keys {sorted(sample)}')
            self.results.append(
                retrieval_recall(sample['i2t'], sample.get('t2i'), self.caps_per_image, self.topk,
                                 self.num_folds))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            raise ValueError('CrossModalRecall got no score matrix to evaluate')
        return dict(results[0])
