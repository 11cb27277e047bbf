"""Classification heads: feature vectors in, class scores, losses and predictions out."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmx.registry import MODELS
from .data_sample import ClsSample
from .metrics import topk_accuracy

__all__ = ['LinearClassifierHead']


@MODELS.register_module()
class LinearClassifierHead(BaseModule):
    """A linear layer on the last feature vector, trained with (label-smoothed) cross-entropy.

    Named so as not to shadow mmpretrain's ``LinearClsHead``; it differs by computing its loss itself
    (no loss registry lookup, so it works in any scope) and by logging top-k accuracy with ties counted
    as in :func:`~mmx.cls.metrics.topk_accuracy`.

    Args:
        num_classes (int): number of classes C.
        in_channels (int): feature size D.
        label_smoothing (float): cross-entropy label smoothing in [0, 1). Defaults to 0.
        loss_weight (float): multiplier of the loss. Defaults to 1.
        topk (Sequence[int]): k values of the training accuracies logged as ``acc_top{k}``; empty
            logs none. Defaults to (1,).
        init_cfg (dict, optional): initialisation. Defaults to ``Normal(std=0.01)`` for the linear
            layer.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 topk: Sequence[int] = (1, ),
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01)):
        super().__init__(init_cfg=init_cfg)
        if num_classes < 1 or in_channels < 1:
            raise ValueError(f'num_classes and in_channels must be positive, got {num_classes} and '
                             f'{in_channels}')
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f'label_smoothing must be in [0, 1), got {label_smoothing}')
        if any(k > num_classes for k in topk):
            raise ValueError(f'topk={tuple(topk)} exceeds num_classes={num_classes}')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight
        self.topk = tuple(topk)
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feats: Union[torch.Tensor, Tuple[torch.Tensor, ...]]) -> torch.Tensor:
        """Compute logits from the last feature vector.

        Args:
            feats (Tensor | tuple[Tensor]): (N, D) features, or a tuple whose last item is used.

        Returns:
            Tensor: (N, C) logits.
        """
        x = feats if isinstance(feats, torch.Tensor) else feats[-1]
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'LinearClassifierHead expects (N, {self.in_channels}) features, got shape '
                             f'{tuple(x.shape)}; pool the feature maps first (e.g. GlobalAvgPoolNeck) '
                             'and check in_channels')
        return self.fc(x)

    def loss(self, feats: Union[torch.Tensor, Tuple[torch.Tensor, ...]],
             data_samples: Sequence[ClsSample]) -> Dict[str, torch.Tensor]:
        """Compute the loss.

        Args:
            feats (Tensor | tuple[Tensor]): (N, D) features.
            data_samples (Sequence[ClsSample]): N samples with ``gt_label``.

        Returns:
            dict[str, Tensor]: ``loss`` (scalar, with gradient) and, per k in ``topk``, ``acc_top{k}``
            (scalar percent, no gradient).
        """
        logits = self(feats)
        labels = self._gather_labels(data_samples, logits.shape[0]).to(logits.device)
        loss = F.cross_entropy(logits, labels, label_smoothing=self.label_smoothing)
        losses = dict(loss=loss * self.loss_weight)
        if self.topk:
            with torch.no_grad():
                accs = topk_accuracy(logits, labels, self.topk)
            losses.update({f'acc_top{k}': acc for k, acc in zip(self.topk, accs)})
        return losses

    def predict(self, feats: Union[torch.Tensor, Tuple[torch.Tensor, ...]],
                data_samples: Optional[Sequence[ClsSample]] = None) -> List[ClsSample]:
        """Predict class probabilities and labels.

        Args:
            feats (Tensor | tuple[Tensor]): (N, D) features.
            data_samples (Sequence[ClsSample], optional): N samples to fill in place (their
                ``gt_label`` and metainfo are kept); None creates new ones.

        Returns:
            list[ClsSample]: N samples with ``pred_score`` (C,) softmax probabilities and
            ``pred_label`` (1,) the arg-max.
        """
        scores = F.softmax(self(feats), dim=1)
        if data_samples is None:
            data_samples = [ClsSample() for _ in range(scores.shape[0])]
        elif len(data_samples) != scores.shape[0]:
            raise ValueError(f'got {len(data_samples)} data samples for {scores.shape[0]} images')
        for sample, score in zip(data_samples, scores):
            sample.pred_score = score
            sample.pred_label = score.argmax()
        return list(data_samples)

    def _gather_labels(self, data_samples: Optional[Sequence[ClsSample]], num: int) -> torch.Tensor:
        if data_samples is None or len(data_samples) != num:
            raise ValueError(f'loss needs one data sample with gt_label per image: got '
                             f'{None if data_samples is None else len(data_samples)} for {num} images')
        if not all('gt_label' in sample for sample in data_samples):
            raise ValueError('every data sample needs a gt_label to compute the loss')
        labels = torch.cat([sample.gt_label.reshape(-1)[:1] for sample in data_samples]).long()
        if labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f'gt_label must lie in [0, {self.num_classes}), got range '
                             f'[{labels.min().item()}, {labels.max().item()}]')
        return labels
