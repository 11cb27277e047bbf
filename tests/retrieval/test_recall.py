"""Recall, rsum and ranks against hand-built cases and an independent argsort implementation (the
VSE++/SCAN/CAMP ``i2t``/``t2i`` loops)."""
import numpy as np
import pytest
import torch

from mmx.retrieval.evaluation import CrossModalRecall, retrieval_ranks, retrieval_recall


def _reference(d: np.ndarray, k: int = 5):
    """The official evaluation loops, with a stable sort (ties resolved by index)."""
    n = d.shape[0]
    ranks_i2t = np.zeros(n)
    for i in range(n):
        inds = np.argsort(-d[i], kind='stable')
        ranks_i2t[i] = min(np.where(inds == j)[0][0] for j in range(k * i, k * i + k))
    ranks_t2i = np.zeros(k * n)
    for j in range(k * n):
        inds = np.argsort(-d[:, j], kind='stable')
        ranks_t2i[j] = np.where(inds == j // k)[0][0]
    out = {}
    for name, r in (('i2t', ranks_i2t), ('t2i', ranks_t2i)):
        for kk in (1, 5, 10):
            out[f'{name}_R{kk}'] = 100.0 * len(np.where(r < kk)[0]) / len(r)
        out[f'{name}_medr'] = np.floor(np.median(r)) + 1
        out[f'{name}_meanr'] = r.mean() + 1
    out['rsum'] = sum(out[f'{n}_R{kk}'] for n in ('i2t', 't2i') for kk in (1, 5, 10))
    return out


def test_hand_built_2x10():
    # image 0 owns captions 0-4, image 1 owns 5-9
    d = torch.zeros(2, 10)
    d[0] = torch.tensor([0.1, 0.9, 0.2, 0.0, 0.0, 0.95, 0.0, 0.0, 0.0, 0.0])  # best own caption at rank 1
    d[1] = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.5, 0.9, 0.1, 0.1, 0.1, 0.1])  # own caption 5 at rank 0
    ranks = retrieval_ranks(d)
    assert ranks['i2t'].tolist() == [1, 0]
    # caption j: is its image above the other one in column j?
    assert ranks['t2i'].tolist() == [1, 0, 1, 1, 1, 1, 0, 0, 0, 0]  # column 5: 0.95 beats 0.9
    res = retrieval_recall(d)
    assert res['i2t_R1'] == 50.0 and res['i2t_R5'] == 100.0 and res['t2i_R1'] == 50.0
    assert res['rsum'] == pytest.approx(50 + 100 + 100 + 50 + 100 + 100)
    assert res['i2t_medr'] == 1.0 and res['i2t_meanr'] == 1.5


def test_matches_official_loops_on_random_and_tied_scores():
    rng = np.random.default_rng(0)
    for d in (rng.standard_normal((12, 60)), np.round(rng.standard_normal((12, 60)), 1), np.zeros((12, 60))):
        ours = retrieval_recall(torch.from_numpy(d))
        ref = _reference(d)
        for key, value in ref.items():
            assert ours[key] == pytest.approx(value), key


def test_constant_scores_get_no_free_hits():
    res = retrieval_recall(torch.zeros(20, 100))
    assert res['i2t_R1'] == 5.0 and res['t2i_R1'] == 5.0  # only image 0 wins the ties


def test_folds_average_diagonal_blocks_only():
    rng = np.random.default_rng(1)
    d = torch.from_numpy(rng.standard_normal((10, 50)))
    folds = retrieval_recall(d, num_folds=2)
    a, b = retrieval_recall(d[:5, :25]), retrieval_recall(d[5:, 25:])
    for key in a:
        assert folds[key] == pytest.approx((a[key] + b[key]) / 2)
    with pytest.raises(ValueError, match='folds'):
        retrieval_recall(d, num_folds=3)


def test_separate_t2i_matrix_and_bad_shapes():
    d = torch.eye(3).repeat_interleave(5, dim=1)  # perfect
    noisy = torch.rand(3, 15)
    res = retrieval_recall(d, noisy)
    assert res['i2t_R1'] == 100.0
    assert res['t2i_R1'] == retrieval_recall(noisy)['t2i_R1']
    with pytest.raises(ValueError, match='captions per image'):
        retrieval_ranks(torch.rand(3, 14))
    with pytest.raises(ValueError, match='one shape'):
        retrieval_ranks(torch.rand(3, 15), torch.rand(3, 10))


def test_metric_prefix_and_empty():
    metric = CrossModalRecall(num_folds=1, prefix='coco5k')
    d = torch.eye(4).repeat_interleave(5, dim=1)
    metric.process(None, [dict(i2t=d, t2i=d)])
    out = metric.evaluate(1)
    assert out['coco5k/rsum'] == 600.0 and out['coco5k/i2t_medr'] == 1.0
    with pytest.raises(KeyError, match='i2t'):
        metric.process(None, [dict(scores=d)])
    with pytest.raises(ValueError, match='settings'):
        CrossModalRecall(num_folds=0)
