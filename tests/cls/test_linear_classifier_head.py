"""mmx.cls.heads.LinearClassifierHead: loss against F.cross_entropy by hand, predictions, bad input."""
import math

import pytest
import torch

from mmx.cls.data_sample import ClsSample
from mmx.cls.heads import LinearClassifierHead


def _samples(labels):
    out = []
    for y in labels:
        s = ClsSample()
        s.gt_label = y
        out.append(s)
    return out


def _head(**kwargs):
    head = LinearClassifierHead(num_classes=3, in_channels=2, **kwargs)
    with torch.no_grad():  # logits = x @ W.T: easy to compute by hand
        head.fc.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
        head.fc.bias.zero_()
    return head


def test_loss_and_accuracy_by_hand():
    head = _head(topk=(1, 2))
    feats = (torch.zeros(1, 2), torch.tensor([[2.0, 0.0], [0.0, 0.0]]))  # the last item is used
    losses = head.loss(feats, _samples([0, 2]))
    # sample 0: logits (2, 0, 0), label 0; sample 1: logits (0, 0, 0), label 2
    expected = (-math.log(math.exp(2) / (math.exp(2) + 2)) + math.log(3)) / 2
    assert losses['loss'].item() == pytest.approx(expected, rel=1e-5)
    assert losses['acc_top1'].item() == pytest.approx(100 * (1 + 1 / 3) / 2)
    assert losses['acc_top2'].item() == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert losses['loss'].requires_grad and not losses['acc_top1'].requires_grad


def test_label_smoothing_and_weight():
    feats = torch.tensor([[2.0, 0.0]])
    logp = torch.log_softmax(torch.tensor([2.0, 0.0, 0.0]), 0)
    expected = -(0.8 * logp[0] + 0.2 * logp.mean())  # smoothing 0.2 spreads 0.2 uniformly over 3
    loss = _head(label_smoothing=0.2, loss_weight=0.5, topk=()).loss(feats, _samples([0]))
    assert set(loss) == {'loss'}
    assert loss['loss'].item() == pytest.approx(0.5 * expected.item(), rel=1e-5)


def test_predict_fills_the_given_samples():
    samples = _samples([1, 1])
    out = _head().predict(torch.tensor([[0.0, 3.0], [1.0, -1.0]]), samples)
    assert out[0] is samples[0] and out[0].gt_label.tolist() == [1]
    assert [s.pred_label.tolist() for s in out] == [[1], [0]]
    torch.testing.assert_close(out[1].pred_score, torch.softmax(torch.tensor([1.0, -1.0, 0.0]), 0))
    fresh = _head().predict(torch.zeros(4, 2))
    assert len(fresh) == 4 and all(s.pred_score.shape == (3, ) for s in fresh)


@pytest.mark.parametrize('feats, labels, match', [
    (torch.zeros(2, 5), [0, 1], r'expects \(N, 2\) features, got shape \(2, 5\)'),
    (torch.zeros(2, 2, 1, 1), [0, 1], 'pool the feature maps'),
    (torch.zeros(2, 2), [0], '1 for 2 images'),
    (torch.zeros(2, 2), [0, 3], r'gt_label must lie in \[0, 3\)'),
])
def test_bad_input(feats, labels, match):
    with pytest.raises(ValueError, match=match):
        _head().loss(feats, _samples(labels))


def test_missing_labels_and_bad_arguments():
    with pytest.raises(ValueError, match='needs a gt_label'):
        _head().loss(torch.zeros(1, 2), [ClsSample()])
    with pytest.raises(ValueError, match='label_smoothing'):
        LinearClassifierHead(3, 2, label_smoothing=1.0)
    with pytest.raises(ValueError, match='exceeds num_classes'):
        LinearClassifierHead(3, 2, topk=(1, 5))
