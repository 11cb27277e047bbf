"""The avoidance rule of cross-dataset training as per-element classification-loss weights.

Yao et al., `Cross-dataset Training for Class Increasing Object Detection <https://arxiv.org/abs/2001.04621>`_:
a *background* sample (anchor or RoI) of an image whose source dataset does not annotate class j sends no
negative gradient to class j, since an object of class j may well be there, unlabelled. Positives of other
classes still act as negatives (as in the first author's ``cross_focal_loss.py`` and OTX's
``CrossSigmoidFocalLoss``, which mask background samples only).

The rule is expressed as (N, K) weights multiplied into the (N,) label weights that mmdet's heads pass to
``loss_cls``, so it composes with whatever weights a loss computes itself: mmdet's ``FocalLoss`` takes
per-anchor-per-class weights as they are, and mmx's ``EqualizationLoss`` / ``EqualizationLossV2`` multiply
them into their own ``w_ij`` (and EQLv2 gathers its gradient statistics with them applied). With every
class annotated the weights are the label weights, and the loss is the plain loss.

Shape shorthand: B images, N samples, C classes, K classifier channels (C, or C + 1 with a background /
objectness channel, which is never masked).
"""
from typing import Optional, Sequence

import torch
from mmdet.registry import MODELS
from torch import Tensor

from .eql import EqualizationLoss

__all__ = ['annotated_class_masks', 'avoidance_mask', 'cross_dataset_label_weights', 'RoISigmoidCELoss']


def annotated_class_masks(batch_img_metas: Sequence[dict], num_classes: int,
                          device: Optional[torch.device] = None) -> Tensor:
    """(B, C) bool: which classes each image's source annotates, from its ``annotated_labels`` metainfo.

    Args:
        batch_img_metas (Sequence[dict]): Per image, its metainfo; ``annotated_labels`` (unified labels,
            see :class:`~mmx.det.datasets.CrossDataset`) is optional: an image without it counts as
            annotating every class.
        num_classes (int): C.
        device (torch.device, optional): Device of the result.

    Returns:
        Tensor: (B, C) bool.

    Raises:
        ValueError: If a label is outside [0, C).
    """
    mask = torch.ones(len(batch_img_metas), num_classes, dtype=torch.bool)
    for i, meta in enumerate(batch_img_metas):
        if 'annotated_labels' not in meta:
            continue
        labels = torch.as_tensor(meta['annotated_labels'], dtype=torch.long).reshape(-1)
        if labels.numel() and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'annotated_labels {labels.tolist()} of image {meta.get("img_path", i)} are not '
                             f'all in [0, {num_classes}); does the head have the unified classes?')
        mask[i] = False
        mask[i, labels] = True
    return mask.to(device) if device is not None else mask


def avoidance_mask(labels: Tensor, annotated: Tensor) -> Tensor:
    """The paper's avoidance rule: which (sample, class) loss terms to keep.

    ``keep_ij = 0`` iff sample i is background (label C) and class j is not annotated in its image;
    otherwise 1.

    Args:
        labels (Tensor): (N,) int64 labels in [0, C]; C is background.
        annotated (Tensor): (N, C) bool, the annotated classes of each sample's image.

    Returns:
        Tensor: (N, C) bool.
    """
    if annotated.dim() != 2 or annotated.size(0) != labels.numel():
        raise ValueError(f'annotated must be ({labels.numel()}, C), got {tuple(annotated.shape)}')
    is_bg = labels.reshape(-1, 1) >= annotated.size(1)
    return annotated.bool() | ~is_bg


def cross_dataset_label_weights(labels: Tensor, label_weights: Tensor, annotated: Tensor,
                                num_channels: int) -> Tensor:
    """mmdet's (N,) label weights expanded to (N, K) with the avoidance rule applied.

    Args:
        labels (Tensor): (N,) labels in [0, C]; C is background.
        label_weights (Tensor): (N,) the head's label weights.
        annotated (Tensor): (N, C) bool, per sample the annotated classes of its image.
        num_channels (int): K, C or C + 1; a (C + 1)-th (background / objectness) channel keeps the label
            weight, as class-agnostic objectness is left unmasked (like the RPN).

    Returns:
        Tensor: (N, K) ``label_weights[i] * keep_ij``, in the dtype of ``label_weights``.
    """
    num_classes = annotated.size(1)
    if num_channels not in (num_classes, num_classes + 1):
        raise ValueError(f'num_channels must be C={num_classes} or C + 1, got {num_channels}')
    keep = avoidance_mask(labels, annotated).to(label_weights.dtype)
    if num_channels == num_classes + 1:
        keep = torch.cat([keep, keep.new_ones(keep.size(0), 1)], dim=1)
    return label_weights.reshape(-1, 1) * keep


@MODELS.register_module()
class RoISigmoidCELoss(EqualizationLoss):
    """Plain sigmoid cross-entropy for an RoI classifier with C outputs: EQL with an empty tail.

    ``EqualizationLoss`` with ``T_λ = 0`` everywhere is ``1/N Σ_i Σ_j BCE(z_ij, y_ij)`` (background RoIs have
    an all-zero target row) with mmdet 3.3's ``BBoxHead`` hooks (C channels, sigmoid test-time scores),
    which mmdet's ``CrossEntropyLoss(use_sigmoid=True)`` lacks (``BBoxHead`` would score it with softmax).
    Unlike ``EqualizationLoss`` it needs no annotation file, so it can serve a merged label space that no
    single file describes; with :class:`~mmx.det.roi_heads.DatasetAwareRoIHead` it is the dataset-aware sigmoid
    CE of cross-dataset training.

    Args:
        num_classes (int): C.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
    """

    def __init__(self, num_classes: int, loss_weight: float = 1.0) -> None:
        super().__init__(num_classes, ann_file='(none: empty tail)', lambda_=0.0, loss_weight=loss_weight)

    def load_tail_mask(self) -> Tensor:
        """The empty tail: (C,) all False."""
        return self.tail_mask.bool()

    def extra_repr(self) -> str:
        return f'num_classes={self.num_classes}, loss_weight={self.loss_weight}'
