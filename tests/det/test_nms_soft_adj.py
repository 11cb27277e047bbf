"""soft_nms / adj_nms (mmx.det.post_processing.nms): equal to mmcv's compiled soft_nms and to naive reference loops,
per class, selectable from mmdet's test_cfg, and bad input."""
import math

import pytest
import torch
from mmcv.ops import batched_nms
from mmcv.ops import soft_nms as mmcv_soft_nms

from mmx.det.post_processing import adj_nms, soft_nms


def random_boxes(n, size=100.0, max_wh=40.0, seed=0, classes=1):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(n, 2, generator=g) * size
    wh = torch.rand(n, 2, generator=g) * max_wh + 1
    scores = torch.rand(n, generator=g)
    idxs = torch.randint(0, classes, (n,), generator=g)
    return torch.cat([xy, xy + wh], 1), scores, idxs


def iou(a, b, offset=0):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]) + offset)
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]) + offset)
    inter = w * h
    area = lambda r: (r[2] - r[0] + offset) * (r[3] - r[1] + offset)  # noqa: E731
    return inter / (area(a) + area(b) - inter)


def naive_soft_nms(boxes, scores, method, iou_threshold=0.3, sigma=0.5, min_score=1e-3):
    """The sequential algorithm of the Soft-NMS paper (Bodla et al. 2017, Algorithm 1), in float64."""
    boxes, scores = boxes.double().tolist(), scores.double().tolist()
    pending = list(range(len(boxes)))
    out = []
    first = True
    while pending:
        m = max(pending, key=lambda i: scores[i])
        pending.remove(m)
        if scores[m] < min_score and not first:
            continue
        first = False
        out.append((m, scores[m]))
        for i in pending:
            o = iou(boxes[m], boxes[i])
            if method == 'gaussian':
                scores[i] *= math.exp(-o * o / sigma)
            elif o >= iou_threshold:
                scores[i] *= (1 - o) if method == 'linear' else 0.0
        pending = [i for i in pending if scores[i] >= min_score]
    return out


def naive_adj_nms(boxes, scores, keep_suppressed, iou_threshold=0.5, sigma=0.5, min_score=1e-3):
    """Hard NMS, then Gaussian soft-NMS on the survivors; optionally the suppressed boxes decayed by every
    survivor scoring higher than them."""
    order = sorted(range(len(boxes)), key=lambda i: -float(scores[i]))
    bl = boxes.double().tolist()
    survivors = []
    for i in order:
        if all(iou(bl[i], bl[k]) <= iou_threshold for k in survivors):
            survivors.append(i)
    sub = naive_soft_nms(boxes[survivors], scores[survivors], 'gaussian', sigma=sigma, min_score=min_score)
    out = [(survivors[k], s) for k, s in sub]
    if keep_suppressed:
        for j in set(range(len(boxes))) - set(survivors):
            s = float(scores[j])
            for k in survivors:
                if float(scores[k]) > float(scores[j]):
                    s *= math.exp(-iou(bl[k], bl[j]) ** 2 / sigma)
            if s >= min_score:
                out.append((j, s))
    return sorted(out, key=lambda t: -t[1])


def assert_same(dets, keep, reference, atol=1e-5):
    assert keep.tolist() == [i for i, _ in reference]
    torch.testing.assert_close(dets[:, 4].double(), torch.tensor([s for _, s in reference], dtype=torch.float64),
                               atol=atol, rtol=0)


@pytest.mark.parametrize('method', ['linear', 'gaussian', 'naive'])
@pytest.mark.parametrize('n', [1, 7, 60, 400])
@pytest.mark.parametrize('offset', [0, 1])
def test_soft_nms_equals_mmcv(method, n, offset):
    boxes, scores, _ = random_boxes(n, seed=n)
    ref_dets, ref_keep = mmcv_soft_nms(boxes, scores, 0.3, 0.5, 1e-3, method, offset)
    dets, keep = soft_nms(boxes, scores, iou_threshold=0.3, sigma=0.5, min_score=1e-3, method=method, offset=offset)
    assert keep.tolist() == ref_keep.tolist()
    torch.testing.assert_close(dets[:, :4], ref_dets[:, :4], atol=0, rtol=0)
    # the Gaussian weights come from two exp implementations, which may differ in the last bit
    torch.testing.assert_close(dets[:, 4], ref_dets[:, 4], atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize('method', ['linear', 'gaussian'])
def test_soft_nms_equals_naive_loop(method):
    boxes, scores, _ = random_boxes(80, seed=3)
    dets, keep = soft_nms(boxes, scores, method=method)
    assert_same(dets, keep, naive_soft_nms(boxes, scores, method))


def test_soft_nms_per_class_equals_each_class_alone():
    boxes, scores, idxs = random_boxes(300, seed=5, classes=4)
    dets, keep = soft_nms(boxes, scores, idxs, method='gaussian')
    expected = []
    for c in range(4):
        where = (idxs == c).nonzero().squeeze(1)
        ref_dets, ref_keep = mmcv_soft_nms(boxes[where], scores[where], 0.3, 0.5, 1e-3, 'gaussian')
        expected += list(zip(where[ref_keep].tolist(), ref_dets[:, 4].tolist()))
    expected.sort(key=lambda t: -t[1])
    assert sorted(keep.tolist()) == sorted(i for i, _ in expected)
    assert_same(dets, keep, expected)
    # boxes of different classes never interact: far fewer than all boxes decay
    assert dets[:, 4].ge(scores[keep] - 1e-7).sum() > 0


def test_low_scores_and_max_num():
    boxes = torch.tensor([[0., 0, 10, 10], [50, 50, 60, 60], [0, 0, 10, 9]])
    scores = torch.tensor([1e-4, 5e-4, 1e-5])
    # the best box is kept even below min_score (as mmcv does); the others are dropped
    dets, keep = soft_nms(boxes, scores, min_score=1e-3)
    assert keep.tolist() == mmcv_soft_nms(boxes, scores, min_score=1e-3)[1].tolist() == [1]
    boxes, scores, _ = random_boxes(50, seed=1)
    assert soft_nms(boxes, scores, max_num=5)[1].tolist() == soft_nms(boxes, scores)[1][:5].tolist()


@pytest.mark.parametrize('keep_suppressed', [False, True])
@pytest.mark.parametrize('classes', [1, 3])
def test_adj_nms_equals_naive_loop(keep_suppressed, classes):
    boxes, scores, idxs = random_boxes(120, seed=11, classes=classes)
    dets, keep = adj_nms(boxes, scores, idxs if classes > 1 else None, keep_suppressed=keep_suppressed)
    expected = []
    for c in range(classes):
        where = (idxs == c).nonzero().squeeze(1) if classes > 1 else torch.arange(len(boxes))
        expected += [(int(where[i]), s) for i, s in naive_adj_nms(boxes[where], scores[where], keep_suppressed)]
    expected.sort(key=lambda t: -t[1])
    assert_same(dets, keep, expected)
    if keep_suppressed:
        plain = adj_nms(boxes, scores, idxs if classes > 1 else None)[1]
        assert set(plain.tolist()) < set(keep.tolist())


def test_adj_nms_hand_computed():
    # two boxes with IoU 0.6 (suppressed at 0.5) and a third with IoU 1/3 to the first (kept, decayed)
    boxes = torch.tensor([[0., 0, 10, 10], [0, 0, 10, 6], [5, 0, 15, 10]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = adj_nms(boxes, scores)
    assert keep.tolist() == [0, 2]
    torch.testing.assert_close(dets[:, 4], torch.tensor([0.9, 0.7 * math.exp(-(1 / 3) ** 2 / 0.5)]))
    dets, keep = adj_nms(boxes, scores, keep_suppressed=True)
    # box 1 comes back decayed by box 0 (IoU 0.6) and box 2 (IoU 30/110, scores 0.7 < 0.8: not counted)
    assert keep.tolist() == [0, 2, 1]
    torch.testing.assert_close(dets[2, 4], torch.tensor(0.8 * math.exp(-0.36 / 0.5)))


@pytest.mark.parametrize('fn', [soft_nms, adj_nms])
def test_empty_and_bad_input(fn):
    dets, keep = fn(torch.zeros(0, 4), torch.zeros(0))
    assert dets.shape == (0, 5) and keep.shape == (0,)
    with pytest.raises(ValueError, match='boxes must have shape'):
        fn(torch.zeros(3, 5), torch.zeros(3))
    with pytest.raises(ValueError, match='scores must have shape'):
        fn(torch.zeros(3, 4), torch.zeros(2))
    with pytest.raises(ValueError, match='idxs must have shape'):
        fn(torch.zeros(3, 4), torch.zeros(3), torch.zeros(2, dtype=torch.long))
    with pytest.raises(TypeError, match='must be tensors'):
        fn([[0, 0, 1, 1]], torch.zeros(1))
    with pytest.raises(ValueError, match='offset'):
        fn(torch.zeros(3, 4), torch.zeros(3), offset=2)
    if fn is soft_nms:
        with pytest.raises(ValueError, match='method must be one of'):
            fn(torch.zeros(3, 4), torch.zeros(3), method='cubic')


def test_selectable_from_test_cfg():
    """mmdet's multiclass_nms (any detector's rcnn test_cfg) runs the types by name through mmcv's
    batched_nms, per class (the boxes shifted apart), including its split path for many boxes."""
    from mmdet.models.layers import multiclass_nms

    boxes, scores, idxs = random_boxes(200, seed=2, classes=3)
    for split_thr in (10000, 10):
        dets, keep = batched_nms(boxes, scores, idxs, dict(type='adj_nms', iou_threshold=0.5, sigma=0.5,
                                                           split_thr=split_thr))
        ref_dets, ref_keep = adj_nms(boxes, scores, idxs)
        assert keep.tolist() == ref_keep.tolist()
        torch.testing.assert_close(dets, ref_dets)
    dets, keep = batched_nms(boxes, scores, idxs, dict(type='torch_soft_nms', method='gaussian', split_thr=10))
    ref_dets, ref_keep = batched_nms(boxes, scores, idxs, dict(type='soft_nms', method='gaussian', split_thr=10))
    assert keep.tolist() == ref_keep.tolist()
    torch.testing.assert_close(dets, ref_dets, atol=1e-6, rtol=1e-6)
    # multiclass_nms: (N, C * 4) boxes and (N, C + 1) scores, as a bbox head gives them
    multi_boxes = boxes[:50].repeat(1, 3)
    multi_scores = torch.cat([scores[:150].view(50, 3), torch.zeros(50, 1)], 1)
    dets, labels = multiclass_nms(multi_boxes, multi_scores, 0.05, dict(type='adj_nms', iou_threshold=0.5), 100)
    assert len(dets) == len(labels) > 0 and dets[:, 4].ge(1e-3).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
@pytest.mark.parametrize('fn', [soft_nms, adj_nms])
def test_cuda_equals_cpu(fn):
    boxes, scores, idxs = random_boxes(500, seed=4, classes=5)
    dets, keep = fn(boxes, scores, idxs)
    cuda_dets, cuda_keep = fn(boxes.cuda(), scores.cuda(), idxs.cuda())
    assert cuda_keep.is_cuda and cuda_keep.cpu().tolist() == keep.tolist()
    torch.testing.assert_close(cuda_dets.cpu(), dets, atol=1e-6, rtol=1e-6)


def test_registration_never_replaces_upstream(monkeypatch):
    import importlib

    from mmx.det.post_processing import register_nms_types
    mmcv_nms = importlib.import_module('mmcv.ops.nms')

    def upstream(*args, **kwargs):
        raise AssertionError('not called')
    monkeypatch.setattr(mmcv_nms, 'adj_nms', upstream)
    with pytest.warns(UserWarning, match="already defines 'adj_nms'"):
        register_nms_types()
    assert mmcv_nms.adj_nms is upstream
    assert mmcv_nms.torch_soft_nms.__module__ == 'mmx.det.post_processing.nms'
