"""mmx.cls.metrics: topk_accuracy and TopKAccuracy against hand-computed values."""
import pytest
import torch

from mmx.cls.metrics import TopKAccuracy, topk_accuracy

# Four samples, four classes; the comments give the rank of the true class by hand.
SCORES = torch.tensor([
    [0.1, 0.6, 0.2, 0.1],  # label 1: top-1 hit
    [0.5, 0.2, 0.3, 0.0],  # label 2: second -> top-2 hit
    [0.4, 0.3, 0.2, 0.1],  # label 3: last -> hit only at k=4
    [0.3, 0.3, 0.3, 0.1],  # label 0: three-way tie for first -> 1/3 at k=1, 2/3 at k=2, 1 at k=3
])
LABELS = torch.tensor([1, 2, 3, 0])


@pytest.mark.parametrize('k, expected', [
    (1, (1 + 0 + 0 + 1 / 3) / 4),
    (2, (1 + 1 + 0 + 2 / 3) / 4),
    (3, (1 + 1 + 0 + 1) / 4),
    (4, 1.0),
])
def test_topk_accuracy_hand_computed(k, expected):
    (acc, ) = topk_accuracy(SCORES, LABELS, k)
    assert acc.item() == pytest.approx(100 * expected)


def test_constant_scores_give_chance_not_100_percent():
    scores = torch.zeros(5, 10)
    labels = torch.arange(5)
    top1, top5 = topk_accuracy(scores, labels, (1, 5))
    assert top1.item() == pytest.approx(10.0)
    assert top5.item() == pytest.approx(50.0)


def test_without_ties_matches_torch_topk():
    gen = torch.Generator().manual_seed(0)
    scores = torch.randn(200, 7, generator=gen)
    labels = torch.randint(0, 7, (200, ), generator=gen)
    for k, acc in zip((1, 3, 5), topk_accuracy(scores, labels, (1, 3, 5))):
        hits = (scores.topk(k, dim=1).indices == labels[:, None]).any(1).float().mean() * 100
        assert acc.item() == pytest.approx(hits.item())


@pytest.mark.parametrize('scores, labels, topk, match', [
    (SCORES, LABELS, 5, 'more classes than the 4'),
    (SCORES, LABELS, (0, ), 'positive int'),
    (SCORES, LABELS, (), 'non-empty'),
    (SCORES, torch.tensor([1, 2, 4, 0]), 1, r'labels must lie in \[0, 4\)'),
    (SCORES, LABELS[:3], 1, 'expects scores'),
    (torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), 1, 'no samples'),
])
def test_topk_accuracy_rejects_bad_input(scores, labels, topk, match):
    with pytest.raises(ValueError, match=match):
        topk_accuracy(scores, labels, topk)


def _predictions(scores, labels):
    return [dict(pred_score=s, gt_label=torch.tensor([int(y)])) for s, y in zip(scores, labels)]


def test_metric_over_batches_has_prefixed_keys():
    metric = TopKAccuracy(topk=(1, 2))
    metric.process({}, _predictions(SCORES[:2], LABELS[:2]))
    metric.process({}, _predictions(SCORES[2:], LABELS[2:]))
    result = metric.evaluate(size=4)
    assert set(result) == {'accuracy/top1', 'accuracy/top2'}
    assert result['accuracy/top1'] == pytest.approx(100 * (1 + 1 / 3) / 4)
    assert result['accuracy/top2'] == pytest.approx(100 * (2 + 2 / 3) / 4)
    assert metric.results == []  # evaluate() resets for the next epoch


def test_metric_drops_sampler_padding():
    """A distributed sampler pads the last batch; evaluate(size) keeps only the real samples."""
    metric = TopKAccuracy()
    metric.process({}, _predictions(SCORES, LABELS))
    metric.process({}, _predictions(SCORES[:1], torch.tensor([0])))  # padded copy, wrong label
    assert metric.evaluate(size=4)['accuracy/top1'] == pytest.approx(100 * (1 + 1 / 3) / 4)


def test_metric_errors():
    with pytest.raises(ValueError, match='positive int'):
        TopKAccuracy(topk=(1, -5))
    metric = TopKAccuracy(topk=(1, 5))
    metric.process({}, _predictions(SCORES, LABELS))
    with pytest.raises(ValueError, match='more classes than the 4'):
        metric.evaluate(size=4)
    with pytest.raises(ValueError, match='no predictions'):
        TopKAccuracy().evaluate(size=0)
    with pytest.raises(KeyError, match='pred_score'):
        TopKAccuracy().process({}, [dict(gt_label=torch.tensor([0]))])
