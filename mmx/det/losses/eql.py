"""Equalization Loss (EQL): sigmoid cross-entropy that stops frequent classes from suppressing rare ones.

Shape shorthand: N sampled RoIs, C foreground classes; label C means background.
"""
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from torch import Tensor

from .category_frequency import check_tail_spec, load_category_frequency, tail_mask_from_spec

__all__ = ['equalization_loss', 'element_weights', 'label_accuracy', 'EqualizationLoss']


def equalization_loss(cls_score: Tensor,
                      labels: Tensor,
                      tail_mask: Tensor,
                      label_weights: Optional[Tensor] = None,
                      reduction: str = 'mean') -> Tensor:
    """The Equalization Loss of Tan et al. (CVPR 2020), Eq. (3)-(5).

    ``L = 1/N Σ_i Σ_j w_ij BCE(z_ij, y_ij)`` with ``w_ij = 1 - E(r_i) T_λ(f_j) (1 - y_ij)``: a foreground
    RoI (E = 1) sends no negative gradient to a tail class (T = 1); background RoIs (E = 0) still do, and
    positives always count. Normalised by the number of RoIs as in the official code
    (``eql.detectron2``, ``fast_rcnn.py``), not by ``avg_factor``.

    Args:
        cls_score (Tensor): (N, C) foreground logits; there is no background logit.
        labels (Tensor): (N,) int64 labels in [0, C]; C is background (an all-zero target row).
        tail_mask (Tensor): (C,) bool, ``T_λ(f_j)``.
        label_weights (Tensor, optional): (N,) per-RoI weights multiplied into ``w_ij`` (mmdet's samplers
            give 1 to every sampled RoI), or (N, C) per-element weights (e.g. the annotated-class mask of
            cross-dataset training, ``mmx.det.losses.cross_dataset``). Defaults to None (all 1).
        reduction (str): ``'mean'`` (sum / N), ``'sum'``, or ``'none'`` for the (N, C) weighted terms.

    Returns:
        Tensor: The loss, a scalar, or (N, C) for ``reduction='none'``.
    """
    num_rois, num_classes = cls_score.shape
    # One-hot over C + 1 columns, then the background column is dropped: background rows are all zero.
    target = F.one_hot(labels, num_classes + 1)[:, :num_classes].to(cls_score.dtype)
    is_fg = (labels < num_classes).to(cls_score.dtype)[:, None]
    weight = 1 - is_fg * tail_mask.to(cls_score.dtype)[None, :] * (1 - target)
    if label_weights is not None:
        weight = weight * element_weights(label_weights, cls_score)
    loss = F.binary_cross_entropy_with_logits(cls_score, target, reduction='none') * weight
    if reduction == 'none':
        return loss
    if reduction == 'sum':
        return loss.sum()
    if reduction == 'mean':
        return loss.sum() / max(num_rois, 1)
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def element_weights(label_weights: Tensor, cls_score: Tensor) -> Tensor:
    """Per-sample (N,) or per-element (N, K) weights as a tensor that broadcasts against (N, K) scores.

    Raises:
        ValueError: If ``label_weights`` is neither (N,) nor the shape of ``cls_score``.
    """
    if label_weights.shape == cls_score.shape:
        return label_weights.to(cls_score.dtype)
    if label_weights.shape == cls_score.shape[:1]:
        return label_weights.to(cls_score.dtype)[:, None]
    raise ValueError(f'label_weights must be ({cls_score.size(0)},) or {tuple(cls_score.shape)}, got '
                     f'{tuple(label_weights.shape)}')


def label_accuracy(pred_labels: Tensor, labels: Tensor, num_classes: int) -> Dict[str, Tensor]:
    """Accuracy in percent of predicted labels in [0, C] (C: background), overall and on foreground RoIs.

    Args:
        pred_labels (Tensor): (N,) predicted labels.
        labels (Tensor): (N,) target labels.
        num_classes (int): C.

    Returns:
        dict[str, Tensor]: ``acc`` over all RoIs and ``acc_fg`` over the foreground ones (0 when none).
    """
    correct = (pred_labels == labels).float()
    fg = labels < num_classes
    zero = correct.new_zeros(())
    return dict(
        acc=correct.mean() * 100 if correct.numel() else zero,
        acc_fg=correct[fg].mean() * 100 if fg.any() else zero)


@MODELS.register_module()
class EqualizationLoss(nn.Module):
    """Equalization Loss, for the classifier of an RoI head.

    `Equalization Loss for Long-Tailed Object Recognition <https://arxiv.org/abs/2003.05176>`_ (Tan et
    al., CVPR 2020); official code: https://github.com/tztztztztz/eql.detectron2. See
    :func:`equalization_loss` for the formula.

    The classifier has C outputs (sigmoid, no background logit). The loss implements mmdet 3.3's hooks
    of ``BBoxHead`` (``custom_cls_channels``, ``custom_activation``, ``custom_accuracy``):
    ``fc_cls`` gets C outputs, and at test time the scores are ``sigmoid(z)`` with an all-zero
    background column appended, so mmdet's NMS (which drops the last column) runs unchanged. Initialise
    the ``fc_cls`` bias for a prior of 0.001 through the head's ``init_cfg`` (see ``configs/eql``).

    The tail mask ``T_λ`` comes from the training annotations (the LVIS annotation file or a frequency
    file of ``tools/data/lvis_frequency.py``), read at the first loss computation, so that inference and
    config checks need no annotation file; the arguments are checked when the loss is built. The file's
    categories, in id order, must be the head's classes. The paper's §4.2 exception (weight 1 for an
    image's verified-negative categories) is not applied, as in the released code (eql.detectron2 issue #4).

    Args:
        num_classes (int): C, the number of foreground classes (1203 for LVIS v1, 1230 for v0.5).
        ann_file (str): Training annotation file, or a frequency file, giving the frequencies ``f_j``.
        lambda_ (float, optional): λ; ``T_λ(f) = [f < λ]``. The official values: 1.76e-3 (v0.5),
            1.1e-3 (v1).
        tail_ratio (float, optional): Choose the smallest λ whose tail ratio reaches this (paper §4.2).
        tail_groups (str, optional): The LVIS frequency groups forming the tail: ``'r'`` or ``'rc'``.
            Exactly one of ``lambda_``, ``tail_ratio`` and ``tail_groups`` must be given.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self,
                 num_classes: int,
                 ann_file: str,
                 lambda_: Optional[float] = None,
                 tail_ratio: Optional[float] = None,
                 tail_groups: Optional[str] = None,
                 loss_weight: float = 1.0) -> None:
        super().__init__()
        if not ann_file:
            raise ValueError('EqualizationLoss needs ann_file: the training annotation file (or a frequency '
                             'file of tools/data/lvis_frequency.py) to compute the category frequencies')
        check_tail_spec(lambda_, tail_ratio, tail_groups)
        self.num_classes = num_classes
        self.ann_file = ann_file
        self.lambda_ = lambda_
        self.tail_ratio = tail_ratio
        self.tail_groups = tail_groups
        self.loss_weight = loss_weight
        self.use_sigmoid = True
        # mmdet 3.3 BBoxHead looks these up with getattr: channels, test-time activation, accuracy.
        self.custom_cls_channels = True
        self.custom_activation = True
        self.custom_accuracy = True
        # T_λ(f_j), filled in place from ann_file on the first loss computation, so that building the model
        # (for inference, or to check a config) needs no annotation file. A buffer, so that it follows the
        # module to its device; not persistent, since ann_file defines it. uint8 rather than bool: DDP
        # broadcasts buffers, and not every backend has bool.
        self.register_buffer('tail_mask', torch.zeros(num_classes, dtype=torch.uint8), persistent=False)
        self._tail_mask_loaded = False

    def load_tail_mask(self) -> Tensor:
        """Read ``ann_file`` (first call only) and return ``T_λ(f_j)``.

        Returns:
            Tensor: (C,) bool.
        """
        if not self._tail_mask_loaded:
            stats = load_category_frequency(self.ann_file)
            if stats.num_classes != self.num_classes:
                raise ValueError(f'{self.ann_file} has {stats.num_classes} categories but the loss has '
                                 f'num_classes={self.num_classes}; give the training annotations of the '
                                 "head's classes")
            mask, lambda_ = tail_mask_from_spec(stats, self.lambda_, self.tail_ratio, self.tail_groups)
            self.tail_mask.copy_(torch.from_numpy(mask))
            self.lambda_ = lambda_ if lambda_ is not None else self.lambda_
            self._tail_mask_loaded = True
        return self.tail_mask.bool()

    def get_cls_channels(self, num_classes: int) -> int:
        """``fc_cls`` outputs: C (no background logit)."""
        return num_classes

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """Test-time scores.

        Args:
            cls_score (Tensor): (N, C) logits.

        Returns:
            Tensor: (N, C + 1) ``[sigmoid(z), 0]``; the last (dummy background) column is dropped by NMS.
        """
        self._check_channels(cls_score)
        scores = cls_score.sigmoid()
        return torch.cat([scores, scores.new_zeros(scores.size(0), 1)], dim=1)

    def get_accuracy(self, cls_score: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Accuracy of ``argmax_j z_j``, or background when no class has a probability of at least 0.5.

        Args:
            cls_score (Tensor): (N, C) logits.
            labels (Tensor): (N,) labels in [0, C].

        Returns:
            dict[str, Tensor]: ``acc`` and ``acc_fg`` in percent (see :func:`label_accuracy`).
        """
        max_logit, pred = cls_score.max(dim=1)
        pred = torch.where(max_logit >= 0, pred, torch.full_like(pred, self.num_classes))
        return label_accuracy(pred, labels, self.num_classes)

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss.

        Args:
            cls_score (Tensor): (N, C) logits.
            labels (Tensor): (N,) labels in [0, C]; C is background.
            label_weights (Tensor, optional): (N,) per-RoI weights or (N, C) per-element weights.
            avg_factor (float, optional): Ignored: the loss is normalised by N, as in the paper.
            reduction_override (str, optional): ``'mean'``, ``'sum'`` or ``'none'``.

        Returns:
            Tensor: The weighted loss.
        """
        self._check_channels(cls_score)
        return self.loss_weight * equalization_loss(
            cls_score, labels, self.load_tail_mask(), label_weights, reduction=reduction_override or 'mean')

    def _check_channels(self, cls_score: Tensor) -> None:
        if cls_score.dim() != 2 or cls_score.size(1) != self.num_classes:
            raise ValueError(f'EqualizationLoss expects (N, {self.num_classes}) logits (no background '
                             f'column), got {tuple(cls_score.shape)}; the head must take its channels '
                             'from get_cls_channels')

    def extra_repr(self) -> str:
        if self.tail_groups is None:
            spec = f'lambda_={self.lambda_}'
        else:
            spec = f'tail_groups={self.tail_groups!r}'
        if self.tail_ratio is not None:
            spec += f', tail_ratio={self.tail_ratio}'
        return (f'num_classes={self.num_classes}, {spec}, ann_file={self.ann_file!r}, '
                f'loss_weight={self.loss_weight}')
