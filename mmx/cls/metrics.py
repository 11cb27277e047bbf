"""Top-k accuracy, as a pure function and as an mmengine metric."""
from typing import Dict, List, Optional, Sequence, Union

import torch
from mmengine.evaluator import BaseMetric

from mmx.registry import METRICS

__all__ = ['topk_accuracy', 'TopKAccuracy']


def _check_topk(topk: Union[int, Sequence[int]]) -> tuple:
    topk = (topk, ) if isinstance(topk, int) else tuple(topk)
    if not topk or not all(isinstance(k, int) and not isinstance(k, bool) and k >= 1 for k in topk):
        raise ValueError(f'topk must be a positive int or a non-empty sequence of them, got {topk!r}')
    return topk


def topk_accuracy(scores: torch.Tensor, labels: torch.Tensor,
                  topk: Union[int, Sequence[int]] = (1, )) -> List[torch.Tensor]:
    """Top-k accuracy in percent, counting ties as broken at random (in expectation).

    A sample whose true class has ``g`` classes scoring strictly higher and ``e`` other classes scoring
    exactly the same is ranked uniformly among positions ``g + 1 .. g + e + 1``; it counts
    ``clamp(k - g, 0, e + 1) / (e + 1)`` towards top-k. Without ties this is the usual 0/1 count, and a
    constant score vector gets ``k / C`` instead of the 100% an optimistic tie rule would give.

    Args:
        scores (Tensor): (N, C) class scores (logits or probabilities), N >= 1.
        labels (Tensor): (N,) true class indices in ``[0, C)``.
        topk (int | Sequence[int]): the k values. Each must be <= C.

    Returns:
        list[Tensor]: one scalar tensor per k, in percent (0..100).
    """
    topk = _check_topk(topk)
    if scores.dim() != 2 or labels.shape != scores.shape[:1]:
        raise ValueError('topk_accuracy expects scores (N, C) and labels (N,), got shapes '
                         f'{tuple(scores.shape)} and {tuple(labels.shape)}')
    num_samples, num_classes = scores.shape
    if num_samples == 0:
        raise ValueError('topk_accuracy got no samples')
    if max(topk) > num_classes:
        raise ValueError(f'topk={topk} asks for more classes than the {num_classes} scored')
    labels = labels.long()
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f'labels must lie in [0, {num_classes}), got range '
                         f'[{labels.min().item()}, {labels.max().item()}]')
    true_score = scores.gather(1, labels[:, None])
    higher = (scores > true_score).sum(1).float()
    tied = (scores == true_score).sum(1).float()  # includes the true class itself
    return [((k - higher).clamp(0, None).minimum(tied) / tied).mean() * 100 for k in topk]


@METRICS.register_module()
class TopKAccuracy(BaseMetric):
    """Top-k classification accuracy over a dataset, in percent.

    Reads ``pred_score`` (C,) and ``gt_label`` (1,) from each predicted sample. Ties are counted as in
    :func:`topk_accuracy`. Results of all ranks are gathered by :class:`~mmengine.evaluator.BaseMetric`
    before computing, so the number is exact under distributed evaluation (padding added by the
    sampler is dropped). Named ``TopKAccuracy`` so as not to shadow mmpretrain's ``Accuracy`` or
    mmaction2's ``AccMetric``.

    Output keys are ``'{prefix}/top{k}'``, e.g. ``accuracy/top1`` and ``accuracy/top5``.

    Args:
        topk (int | Sequence[int]): the k values. Defaults to ``(1,)``.
        collect_device (str): ``'cpu'`` or ``'gpu'``, where results are gathered. Defaults to ``'cpu'``.
        prefix (str, optional): key prefix. Defaults to ``'accuracy'``.

    Raises:
        ValueError: at evaluation, when no sample was processed or a k exceeds the number of classes.
    """

    default_prefix = 'accuracy'

    def __init__(self,
                 topk: Union[int, Sequence[int]] = (1, ),
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None):
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.topk = _check_topk(topk)

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Keep the score vector and true label of every predicted sample.

        Args:
            data_batch (dict): the batch from the dataloader (unused).
            data_samples (Sequence[dict]): the model's predictions, as dicts.
        """
        for sample in data_samples:
            missing = [key for key in ('pred_score', 'gt_label') if key not in sample]
            if missing:
                raise KeyError(f'TopKAccuracy needs {missing} in every predicted sample; got keys '
                               f'{sorted(sample)}')
            self.results.append(
                dict(pred_score=sample['pred_score'].detach().cpu(),
                     gt_label=sample['gt_label'].detach().cpu().reshape(-1)[:1]))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the accuracies.

        Args:
            results (list[dict]): the processed results of all ranks.

        Returns:
            dict[str, float]: ``{'top1': ..., 'top5': ...}``, in percent.
        """
        if not results:
            raise ValueError('TopKAccuracy has no predictions to evaluate (empty dataset or no '
                             'sample reached process())')
        scores = torch.stack([r['pred_score'] for r in results])
        labels = torch.cat([r['gt_label'] for r in results])
        accs = topk_accuracy(scores, labels, self.topk)
        return {f'top{k}': acc.item() for k, acc in zip(self.topk, accs)}
