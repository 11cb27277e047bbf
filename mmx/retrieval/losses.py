"""Matching losses over an in-batch (images x captions) score matrix: CAMP's hardest-negative binary
cross-entropy and the VSE++ hinge.

Both take S (B_i, B_t) with the positive pairs on the diagonal (image b with caption b) and mine the
hardest negative of every row (image -> captions) and every column (caption -> images). ``pos_mask``
marks further positive pairs (another caption of the same image in the batch), which are then never
taken as negatives; the official code has one caption per image per batch and needs no such mask.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmx.registry import MODELS

__all__ = ['hardest_negative_bce', 'vse_hinge_loss', 'HardestNegativeBCELoss', 'VSEHingeLoss']


def _check(scores: torch.Tensor, pos_mask: Optional[torch.Tensor]) -> torch.Tensor:
    if scores.dim() != 2 or scores.shape[0] != scores.shape[1] or scores.shape[0] < 2:
        raise ValueError('the score matrix must be square (B, B) with B >= 2 (positives on the diagonal, '
                         f'negatives off it), got {tuple(scores.shape)}')
    eye = torch.eye(scores.shape[0], dtype=torch.bool, device=scores.device)
    if pos_mask is None:
        return eye
    if pos_mask.shape != scores.shape or pos_mask.dtype != torch.bool:
        raise ValueError(f'pos_mask must be a bool tensor of shape {tuple(scores.shape)}, got '
                         f'{pos_mask.dtype} {tuple(pos_mask.shape)}')
    return pos_mask | eye


def hardest_negative_bce(scores: torch.Tensor,
                         pos_mask: Optional[torch.Tensor] = None,
                         from_logits: bool = True,
                         max_violation: bool = True,
                         eps: float = 1e-6) -> torch.Tensor:
    """CAMP's loss (eq. 12 with the sign fixed, as the authors confirmed in CAMP_iccv19 issue #6)::

        L = -[ 2 Σ_b log s_bb + Σ_b min_{j neg} log(1 - s_bj) + Σ_j min_{b neg} log(1 - s_bj) ]

    summed over the batch, as ``SimLoss(max_violation=True)`` computes it (the positive term twice, once
    per direction). ``min log(1 - s)`` is the hardest negative: the highest-scoring wrong caption of every
    image and wrong image of every caption.

    Args:
        scores (Tensor): (B, B) logits (``from_logits=True``) or probabilities / cosines.
        pos_mask (Tensor, optional): (B, B) bool, extra positive pairs excluded from the negatives.
        from_logits (bool): the scores are logits: use ``log σ(z)`` and ``log σ(-z)``, exact and with
            gradients everywhere. Otherwise clamp to [eps, 1 - eps] and take logs, as the official code
            does (also for its stage-1 cosine scores, whose negative values then get no gradient).
        max_violation (bool): hardest negatives (default). False: the official code's other branch,
            ``-(mean_b log s_bb + mean over all pairs of log(1 - s) at the negatives)``, which a warm-up
            (:class:`~mmx.retrieval.engine.HardNegativeWarmupHook`) can use before the hardest negatives.
        eps (float): clamp margin for ``from_logits=False``. Defaults to 1e-6 (official).

    Returns:
        Tensor: () the loss.
    """
    positives = _check(scores, pos_mask)
    if from_logits:
        log_pos, log_neg = F.logsigmoid(scores), F.logsigmoid(-scores)
    else:
        prob = scores.clamp(eps, 1 - eps)
        log_pos, log_neg = prob.log(), (1 - prob).log()
    log_neg = log_neg.masked_fill(positives, 0.0)  # log(1 - s) <= 0: a zero never wins the min
    if not max_violation:
        return -(log_pos.diagonal().mean() + log_neg.mean())
    return -(2 * log_pos.diagonal().sum() + log_neg.min(1)[0].sum() + log_neg.min(0)[0].sum())


def vse_hinge_loss(scores: torch.Tensor,
                   pos_mask: Optional[torch.Tensor] = None,
                   margin: float = 0.2,
                   max_violation: bool = True) -> torch.Tensor:
    """The VSE++ hinge (Faghri et al., BMVC 2018), summed over both directions::

        L = Σ_b max_j [m + s_bj - s_bb]_+  +  Σ_j max_b [m + s_bj - s_jj]_+    (hardest negatives)

    or the sum over all negatives when ``max_violation=False`` (VSE0).

    Args:
        scores (Tensor): (B, B) similarities. pos_mask (Tensor, optional): as in
            :func:`hardest_negative_bce`.
        margin (float): m. Defaults to 0.2.
        max_violation (bool): hardest negative only. Defaults to True.

    Returns:
        Tensor: () the loss.
    """
    positives = _check(scores, pos_mask)
    diag = scores.diagonal()
    cost_txt = (margin + scores - diag[:, None]).clamp(min=0).masked_fill(positives, 0.0)
    cost_img = (margin + scores - diag[None, :]).clamp(min=0).masked_fill(positives, 0.0)
    if max_violation:
        return cost_txt.max(1)[0].sum() + cost_img.max(0)[0].sum()
    return cost_txt.sum() + cost_img.sum()


@MODELS.register_module()
class HardestNegativeBCELoss(nn.Module):
    """Module form of :func:`hardest_negative_bce` (CAMP's training loss).

    Args:
        from_logits (bool): see :func:`hardest_negative_bce`. Defaults to True.
        max_violation (bool): hardest negatives; a warm-up hook may switch it. Defaults to True.
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def __init__(self, from_logits: bool = True, max_violation: bool = True, loss_weight: float = 1.0):
        super().__init__()
        self.from_logits, self.max_violation, self.loss_weight = from_logits, max_violation, loss_weight

    def forward(self, scores: torch.Tensor, pos_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.loss_weight * hardest_negative_bce(scores, pos_mask, self.from_logits, self.max_violation)


@MODELS.register_module()
class VSEHingeLoss(nn.Module):
    """Module form of :func:`vse_hinge_loss`.

    Args:
        margin (float): Defaults to 0.2. max_violation (bool): Defaults to True.
        loss_weight (float): multiplier. Defaults to 1.0.
    """

    def __init__(self, margin: float = 0.2, max_violation: bool = True, loss_weight: float = 1.0):
        super().__init__()
        self.margin, self.max_violation, self.loss_weight = margin, max_violation, loss_weight

    def forward(self, scores: torch.Tensor, pos_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        return self.loss_weight * vse_hinge_loss(scores, pos_mask, self.margin, self.max_violation)
