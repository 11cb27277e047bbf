"""Hardest-negative BCE and VSE++ hinge against hand-computed values."""
import math

import pytest
import torch

from mmx.retrieval.losses import HardestNegativeBCELoss, VSEHingeLoss, hardest_negative_bce, vse_hinge_loss

S = torch.tensor([[0.9, 0.3, 0.6], [0.2, 0.8, 0.1], [0.7, 0.4, 0.5]])


def test_hardest_negative_bce_by_hand():
    # rows (image -> captions): hardest negatives 0.6, 0.2, 0.7; columns: 0.7, 0.4, 0.6
    pos = 2 * (math.log(0.9) + math.log(0.8) + math.log(0.5))
    rows = math.log(0.4) + math.log(0.8) + math.log(0.3)
    cols = math.log(0.3) + math.log(0.6) + math.log(0.4)
    expected = -(pos + rows + cols)
    assert hardest_negative_bce(S, from_logits=False).item() == pytest.approx(expected, rel=1e-6)
    logits = torch.logit(S.double())
    assert hardest_negative_bce(logits).item() == pytest.approx(expected, rel=1e-6)
    # the sign is the fixed one: a better positive lowers the loss, a harder negative raises it
    better = S.clone()
    better[0, 0] = 0.99
    assert hardest_negative_bce(better, from_logits=False) < hardest_negative_bce(S, from_logits=False)
    harder = S.clone()
    harder[1, 0] = 0.95
    assert hardest_negative_bce(harder, from_logits=False) > hardest_negative_bce(S, from_logits=False)


def test_all_negative_variant_and_pos_mask():
    neg = torch.log(1 - S).masked_fill(torch.eye(3, dtype=torch.bool), 0)
    expected = -(torch.log(S.diagonal()).mean() + neg.mean())
    got = hardest_negative_bce(S, from_logits=False, max_violation=False)
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)
    # pair (2, 0) is declared positive: the hardest negative of row 2 becomes 0.4, of column 0 becomes 0.2
    pos_mask = torch.zeros(3, 3, dtype=torch.bool)
    pos_mask[2, 0] = True
    full = hardest_negative_bce(S, from_logits=False)
    masked = hardest_negative_bce(S, pos_mask, from_logits=False)
    delta = (math.log(0.3) - math.log(0.6)) + (math.log(0.3) - math.log(0.8))
    assert (full - masked).item() == pytest.approx(-delta, rel=1e-5)


def test_vse_hinge_by_hand():
    # row 0: max(0.2+0.3-0.9, 0.2+0.6-0.9) = 0 ; row 1: 0.2+0.2-0.8 <0 -> 0 ; row 2: 0.2+0.7-0.5 = 0.4
    # col 0: 0.2+0.7-0.9 = 0 ; col 1: 0.2+0.4-0.8 = 0 ; col 2: 0.2+0.6-0.5 = 0.3
    assert vse_hinge_loss(S).item() == pytest.approx(0.7, abs=1e-6)
    got = vse_hinge_loss(S, max_violation=False).item()
    rows = [max(0, 0.2 + s - S[i, i].item()) for i in range(3) for j, s in enumerate(S[i].tolist()) if j != i]
    cols = [max(0, 0.2 + S[i, j].item() - S[j, j].item()) for j in range(3) for i in range(3) if i != j]
    assert got == pytest.approx(sum(rows) + sum(cols), abs=1e-6) and got > 0.7


def test_modules_and_bad_input():
    assert HardestNegativeBCELoss(from_logits=False, loss_weight=2)(S) == pytest.approx(
        2 * hardest_negative_bce(S, from_logits=False).item())
    assert VSEHingeLoss(margin=0.2)(S).item() == pytest.approx(0.7, abs=1e-6)
    with pytest.raises(ValueError, match='square'):
        hardest_negative_bce(torch.rand(2, 3))
    with pytest.raises(ValueError, match='square'):
        vse_hinge_loss(torch.rand(1, 1))
    with pytest.raises(ValueError, match='pos_mask'):
        hardest_negative_bce(S, torch.zeros(2, 2, dtype=torch.bool))
