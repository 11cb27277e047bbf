"""Equalization Loss v2 (EQLv2): gradient-guided reweighting of a sigmoid classifier.

Shape shorthand: N sampled RoIs, C foreground classes; column / label C is background ("objectness").
"""
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmdet.registry import MODELS
from mmengine.dist import all_reduce
from torch import Tensor

from .category_frequency import LVIS_GROUPS, load_category_frequency
from .eql import element_weights, label_accuracy

__all__ = ['eqlv2_class_weights', 'eqlv2_gradient_statistics', 'equalization_loss_v2',
           'EqualizationLossV2']


def eqlv2_class_weights(pos_grad: Tensor, neg_grad: Tensor, gamma: float, mu: float,
                        alpha: float) -> Tuple[Tensor, Tensor]:
    """EQLv2's per-class weights from the accumulated gradients (paper, Eq. (7)-(9)).

    ``g_j = P_j / (N_j + 1e-10)``, negative weight ``r_j = sigmoid(γ (g_j - μ))``, positive weight
    ``q_j = 1 + α (1 - r_j)``; the background column gets 1 for both (official code, ``get_weight``).

    Args:
        pos_grad (Tensor): (C,) accumulated positive gradients ``P_j``.
        neg_grad (Tensor): (C,) accumulated negative gradients ``N_j``.
        gamma (float): γ.
        mu (float): μ.
        alpha (float): α.

    Returns:
        tuple[Tensor, Tensor]: ``(q, r)``, each (C + 1,), background last.
    """
    ratio = pos_grad / (neg_grad + 1e-10)
    neg_w = torch.sigmoid(gamma * (ratio - mu))
    pos_w = 1 + alpha * (1 - neg_w)
    one = pos_grad.new_ones(1)
    return torch.cat([pos_w, one]), torch.cat([neg_w, one])


def eqlv2_gradient_statistics(cls_score: Tensor, target: Tensor, weight: Tensor) -> Tuple[Tensor, Tensor]:
    """This step's weighted positive and negative gradient magnitudes per foreground class.

    The gradient of BCE w.r.t. the logit is ``p - y``: magnitude ``1 - p`` for a positive and ``p`` for a
    negative. As in the official code (``collect_grad``), each is multiplied by the weight the loss gave it
    and summed over the RoIs; the background column is left out.

    Args:
        cls_score (Tensor): (N, C + 1) logits.
        target (Tensor): (N, C + 1) one-hot targets.
        weight (Tensor): (N, C + 1) the loss weights of this step.

    Returns:
        tuple[Tensor, Tensor]: (C,) positive and (C,) negative sums.
    """
    prob = torch.sigmoid(cls_score)
    grad = (prob - target).abs() * weight
    return (grad * target).sum(0)[:-1], (grad * (1 - target)).sum(0)[:-1]


def equalization_loss_v2(cls_score: Tensor,
                         labels: Tensor,
                         pos_weight: Tensor,
                         neg_weight: Tensor,
                         label_weights: Optional[Tensor] = None,
                         reduction: str = 'mean') -> Tuple[Tensor, Tensor, Tensor]:
    """EQLv2's weighted sigmoid cross-entropy (paper, Eq. (6)).

    ``L = 1/N Σ_i Σ_j [q_j y_ij + r_j (1 - y_ij)] BCE(z_ij, y_ij)`` over C + 1 columns: a background RoI
    has target 1 in the last (objectness) column.

    Args:
        cls_score (Tensor): (N, C + 1) logits, background last.
        labels (Tensor): (N,) int64 labels in [0, C].
        pos_weight (Tensor): (C + 1,) ``q``.
        neg_weight (Tensor): (C + 1,) ``r``.
        label_weights (Tensor, optional): (N,) per-RoI weights or (N, C + 1) per-element weights (e.g.
            the annotated-class mask of cross-dataset training), multiplied into the element weights.
        reduction (str): ``'mean'`` (sum / N), ``'sum'`` or ``'none'`` ((N, C + 1) terms).

    Returns:
        tuple[Tensor, Tensor, Tensor]: The loss, the (N, C + 1) targets and the (N, C + 1) weights used.
    """
    num_rois, num_channels = cls_score.shape
    target = F.one_hot(labels, num_channels).to(cls_score.dtype)
    weight = pos_weight[None, :] * target + neg_weight[None, :] * (1 - target)
    if label_weights is not None:
        weight = weight * element_weights(label_weights, cls_score)
    loss = F.binary_cross_entropy_with_logits(cls_score, target, reduction='none') * weight
    if reduction == 'sum':
        loss = loss.sum()
    elif reduction == 'mean':
        loss = loss.sum() / max(num_rois, 1)
    elif reduction != 'none':
        raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return loss, target, weight


@MODELS.register_module()
class EqualizationLossV2(nn.Module):
    """Equalization Loss v2, for the classifier of an RoI head.

    `Equalization Loss v2: A New Gradient Balance Approach for Long-tailed Object Detection
    <https://arxiv.org/abs/2012.08548>`_ (Tan et al., CVPR 2021); official code:
    https://github.com/tztztztztz/eqlv2 (``mmdet/models/losses/eqlv2.py``).

    The classifier has C + 1 sigmoid outputs, the last an objectness/background logit. Each step uses the
    weights of :func:`eqlv2_class_weights` from the accumulated statistics, then adds this step's weighted
    gradients (:func:`eqlv2_gradient_statistics`), summed over all processes, to them.

    Where this follows which source:

    * formulas, defaults (γ=12, μ=0.8, α=4), background weight 1, statistics weighted by the loss weights,
      normalisation by N, test-time ``sigmoid(fg) * (1 - sigmoid(bg))``: the official code;
    * first step with all weights 1: the official code (which has no statistics yet). mmdet's
      ``EQLV2Loss`` gets about 1 by starting the ratio at 100; here a ``num_updates`` counter decides it,
      so the first weights are exactly 1;
    * statistics in buffers, saved in checkpoints: as mmdet's ``EQLV2Loss``. Unlike it, the all-reduce
      happens whenever ``torch.distributed`` is initialised (no ``use_distributed`` switch to forget), the
      mmdet 3.3 hooks of ``BBoxHead`` are implemented (``EQLV2Loss`` has only the 2.x ``get_channel_num``,
      so mmdet 3.3 scores it with softmax at test time), and nothing per call is stored on the module.

    Statistics are updated only in training mode. ``label_weights`` multiply the element weights (mmdet's
    samplers give every sampled RoI 1); ``avg_factor`` is ignored.

    Args:
        num_classes (int): C (1203 for LVIS v1, 1230 for v0.5).
        gamma (float): γ of the mapping ``r = sigmoid(γ (g - μ))``. Defaults to 12.
        mu (float): μ. Defaults to 0.8.
        alpha (float): α of ``q = 1 + α (1 - r)``. Defaults to 4.
        loss_weight (float): Multiplier of the loss. Defaults to 1.0.
        ann_file (str, optional): Training annotations (or a frequency file of
            ``tools/data/lvis_frequency.py``), only to know the LVIS groups of the classes for
            :meth:`group_weight_means` (logged by ``EqualizationLossV2LoggerHook``); read when first
            needed. Defaults to None.
    """

    def __init__(self,
                 num_classes: int,
                 gamma: float = 12.0,
                 mu: float = 0.8,
                 alpha: float = 4.0,
                 loss_weight: float = 1.0,
                 ann_file: Optional[str] = None) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.gamma = gamma
        self.mu = mu
        self.alpha = alpha
        self.loss_weight = loss_weight
        self.use_sigmoid = True
        # mmdet 3.3 BBoxHead looks these up with getattr: channels, test-time activation, accuracy.
        self.custom_cls_channels = True
        self.custom_activation = True
        self.custom_accuracy = True
        # The statistics are training state: buffers, so that checkpoints keep them and resuming continues
        # with the same weights.
        self.register_buffer('pos_grad', torch.zeros(num_classes))
        self.register_buffer('neg_grad', torch.zeros(num_classes))
        self.register_buffer('num_updates', torch.zeros((), dtype=torch.int64))
        self.ann_file = ann_file
        # Index into LVIS_GROUPS per class (-1: unknown), filled in place from ann_file when first needed
        # (so that building the model needs no annotation file); not persistent, since ann_file defines it.
        self.register_buffer('groups', torch.full((num_classes,), -1, dtype=torch.int64), persistent=False)
        self._groups_loaded = ann_file is None

    def load_groups(self) -> Tensor:
        """Read ``ann_file`` (first call only) and return the LVIS group index of each class.

        Returns:
            Tensor: (C,) int64 indices into ``LVIS_GROUPS`` (-1 everywhere without ``ann_file``).
        """
        if not self._groups_loaded:
            stats = load_category_frequency(self.ann_file)
            if stats.num_classes != self.num_classes:
                raise ValueError(f'{self.ann_file} has {stats.num_classes} categories but the loss has '
                                 f'num_classes={self.num_classes}')
            self.groups.copy_(torch.tensor([LVIS_GROUPS.index(g) for g in stats.groups]))
            self._groups_loaded = True
        return self.groups

    def get_cls_channels(self, num_classes: int) -> int:
        """``fc_cls`` outputs: C + 1 (the last is the objectness/background logit)."""
        return num_classes + 1

    def get_activation(self, cls_score: Tensor) -> Tensor:
        """Test-time scores (official code, ``get_activation`` with ``test_with_obj``).

        Args:
            cls_score (Tensor): (N, C + 1) logits.

        Returns:
            Tensor: (N, C + 1) ``[sigmoid(z_fg) * (1 - sigmoid(z_bg)), sigmoid(z_bg)]``.
        """
        self._check_channels(cls_score)
        prob = cls_score.sigmoid()
        bg = prob[:, -1:]
        return torch.cat([prob[:, :-1] * (1 - bg), bg], dim=1)

    def get_accuracy(self, cls_score: Tensor, labels: Tensor) -> Dict[str, Tensor]:
        """Accuracy of the argmax of :meth:`get_activation` (background included).

        Args:
            cls_score (Tensor): (N, C + 1) logits.
            labels (Tensor): (N,) labels in [0, C].

        Returns:
            dict[str, Tensor]: ``acc`` and ``acc_fg`` in percent.
        """
        pred = self.get_activation(cls_score).argmax(dim=1)
        return label_accuracy(pred, labels, self.num_classes)

    def class_weights(self) -> Tuple[Tensor, Tensor]:
        """The weights the next step will use.

        Returns:
            tuple[Tensor, Tensor]: ``(q, r)``, each (C + 1,); all ones before the first update.
        """
        pos_w, neg_w = eqlv2_class_weights(self.pos_grad, self.neg_grad, self.gamma, self.mu, self.alpha)
        # torch.where rather than a Python test of num_updates: no device-to-host sync per step.
        first = self.num_updates == 0
        one = torch.ones_like(pos_w)
        return torch.where(first, one, pos_w), torch.where(first, one, neg_w)

    def group_weight_means(self) -> Dict[str, float]:
        """Mean positive and negative weight over all classes and over each LVIS group.

        Returns:
            dict[str, float]: ``pos_w``, ``neg_w``, and ``pos_w_r``, ``neg_w_r``, ... for each group whose
            classes are known (``ann_file`` given).
        """
        pos_w, neg_w = (w[:-1] for w in self.class_weights())
        means = dict(pos_w=float(pos_w.mean()), neg_w=float(neg_w.mean()))
        groups = self.load_groups()
        for index, name in enumerate(LVIS_GROUPS):
            in_group = groups == index
            if in_group.any():
                means[f'pos_w_{name}'] = float(pos_w[in_group].mean())
                means[f'neg_w_{name}'] = float(neg_w[in_group].mean())
        return means

    def forward(self,
                cls_score: Tensor,
                labels: Tensor,
                label_weights: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> Tensor:
        """Compute the loss and, in training mode, update the statistics.

        Args:
            cls_score (Tensor): (N, C + 1) logits.
            labels (Tensor): (N,) labels in [0, C]; C is background.
            label_weights (Tensor, optional): (N,) per-RoI weights or (N, C + 1) per-element weights;
                statistics are gathered with the weights applied, so masked elements do not count.
            avg_factor (float, optional): Ignored: the loss is normalised by N, as in the paper.
            reduction_override (str, optional): ``'mean'``, ``'sum'`` or ``'none'``.

        Returns:
            Tensor: The weighted loss.
        """
        self._check_channels(cls_score)
        pos_w, neg_w = self.class_weights()
        loss, target, weight = equalization_loss_v2(
            cls_score, labels, pos_w.to(cls_score.dtype), neg_w.to(cls_score.dtype), label_weights,
            reduction=reduction_override or 'mean')
        if self.training:
            self._update(cls_score.detach().float(), target.float(), weight.float())
        return self.loss_weight * loss

    @torch.no_grad()
    def _update(self, cls_score: Tensor, target: Tensor, weight: Tensor) -> None:
        pos, neg = eqlv2_gradient_statistics(cls_score, target, weight)
        step = torch.cat([pos, neg])
        # Every process must see the same weights: sum this step's statistics over all of them (a no-op
        # when torch.distributed is not initialised).
        all_reduce(step, op='sum')
        self.pos_grad += step[:self.num_classes]
        self.neg_grad += step[self.num_classes:]
        self.num_updates += 1

    def _check_channels(self, cls_score: Tensor) -> None:
        if cls_score.dim() != 2 or cls_score.size(1) != self.num_classes + 1:
            raise ValueError(f'EqualizationLossV2 expects (N, {self.num_classes + 1}) logits (C classes and '
                             f'the objectness column), got {tuple(cls_score.shape)}; the head must take '
                             'its channels from get_cls_channels')

    def extra_repr(self) -> str:
        return (f'num_classes={self.num_classes}, gamma={self.gamma}, mu={self.mu}, alpha={self.alpha}, '
                f'loss_weight={self.loss_weight}')
