"""EqualizationLoss: category frequencies, the tail threshold, the loss and its gradients against a naive
reference, mmdet 3.3's BBoxHead hooks in tiny Faster / Mask / Cascade R-CNNs, and bad input."""
import json
import math

import numpy as np
import pytest
import torch
from det_helpers import (
    SMALL_CATEGORIES,
    SMALL_FREQUENCY,
    SMALL_NUM_IMAGES,
    TOY_TRAIN_ANN,
    detector_inputs,
    recording,
    reference_scores,
    scores_among,
    write_small_lvis,
)
from mmdet.registry import MODELS

from mmx.det.losses import EqualizationLoss, equalization_loss, load_category_frequency
from mmx.det.losses.category_frequency import lambda_for_tail_ratio, lambda_table, tail_ratio

C = len(SMALL_CATEGORIES)


def naive_eql(cls_score, labels, tail, label_weights=None):
    """The paper's formula written as loops over RoIs and classes (float64)."""
    n, c = cls_score.shape
    total = 0.0
    for i in range(n):
        for j in range(c):
            z = float(cls_score[i, j])
            y = 1.0 if int(labels[i]) == j else 0.0
            e = 1.0 if int(labels[i]) < c else 0.0
            w = 1.0 - e * float(tail[j]) * (1.0 - y)
            if label_weights is not None:
                w *= float(label_weights[i])
            p = 1.0 / (1.0 + math.exp(-z))
            total += w * -(y * math.log(p) + (1 - y) * math.log(1 - p))
    return total / n


# ---------------------------------------------------------------- category frequencies and λ


@pytest.mark.parametrize('with_lvis_fields', [True, False])
def test_frequency_from_annotation_file(tmp_path, with_lvis_fields):
    path = write_small_lvis(str(tmp_path / 'ann.json'), with_lvis_fields)
    stats = load_category_frequency(path)
    assert stats.cat_ids == list(range(1, C + 1))
    assert stats.image_count.tolist() == [n for n, _, _ in SMALL_CATEGORIES]
    assert stats.instance_count.tolist() == [n for _, n, _ in SMALL_CATEGORIES]
    # 240 images listed, 160 with annotations: the denominator of the official tables
    assert stats.num_images == SMALL_NUM_IMAGES
    np.testing.assert_allclose(stats.frequency, SMALL_FREQUENCY)
    if with_lvis_fields:
        assert stats.groups == [g for _, _, g in SMALL_CATEGORIES]
    else:  # LVIS's rule on the image counts: rare 1-10 images, common 11-100, frequent > 100
        assert stats.groups == ['r', 'r', 'r', 'r', 'c', 'f']


def test_frequency_file_round_trip(small_lvis, tmp_path):
    stats = load_category_frequency(small_lvis)
    out = tmp_path / 'freq.json'
    out.write_text(json.dumps(stats.to_json()))
    again = load_category_frequency(str(out))
    assert again.cat_ids == stats.cat_ids and again.groups == stats.groups
    np.testing.assert_array_equal(again.frequency, stats.frequency)
    np.testing.assert_array_equal(again.instance_count, stats.instance_count)


def test_toy_lvis_frequency_matches_its_category_table(toy_lvis_data):
    stats = load_category_frequency(TOY_TRAIN_ANN)
    assert stats.num_classes == 24 and stats.num_images == 600
    assert sorted(set(stats.groups)) == ['c', 'f', 'r']


def test_tail_ratio_and_lambda(small_lvis):
    stats = load_category_frequency(small_lvis)
    total = sum(n for _, n, _ in SMALL_CATEGORIES)  # 200 instances
    # λ = 0.03: categories 1, 2 (f = 0.00625, 0.0125) are masked, category 3 (0.03125) is not
    assert tail_ratio(stats, 0.03) == pytest.approx(4 / total)
    assert tail_ratio(stats, 0.0) == 0.0 and tail_ratio(stats, 1.0) == 1.0
    # smallest λ with TR >= 0.05: masking 1-3 gives 10/200, so λ is category 4's frequency
    assert lambda_for_tail_ratio(stats, 0.05) == pytest.approx(SMALL_FREQUENCY[3])
    assert lambda_for_tail_ratio(stats, 0.0) == pytest.approx(SMALL_FREQUENCY[0])
    assert tail_ratio(stats, lambda_for_tail_ratio(stats, 1.0)) == 1.0
    rows = {round(r['lambda'], 6): r for r in lambda_table(stats, [0.03, 0.1])}
    assert rows[0.03]['num_categories'] == 2 and rows[0.03]['groups'] == dict(r='2/2', c='0/2', f='0/2')
    assert rows[0.1]['groups'] == dict(r='2/2', c='2/2', f='0/2')


@pytest.mark.parametrize('spec, expected', [
    (dict(lambda_=0.03), [1, 1, 0, 0, 0, 0]),
    (dict(lambda_=0.0), [0] * 6),
    (dict(tail_ratio=0.05), [1, 1, 1, 0, 0, 0]),
    (dict(tail_groups='r'), [1, 1, 0, 0, 0, 0]),
    (dict(tail_groups='rc'), [1, 1, 1, 1, 0, 0]),
    (dict(tail_groups='r+c'), [1, 1, 1, 1, 0, 0]),
])
def test_tail_mask_specs(small_lvis, spec, expected):
    loss = EqualizationLoss(num_classes=C, ann_file=small_lvis, **spec)
    assert loss.load_tail_mask().int().tolist() == expected


# ---------------------------------------------------------------- the loss


@pytest.mark.parametrize('seed', [0, 1])
def test_loss_matches_naive_reference(seed):
    g = torch.Generator().manual_seed(seed)
    n, c = 9, 5
    cls_score = torch.randn(n, c, generator=g, dtype=torch.float64) * 3
    labels = torch.tensor([0, 1, 2, 3, 4, 5, 5, 2, 4])  # 5 = background
    tail = torch.tensor([False, True, False, True, True])
    label_weights = torch.rand(n, generator=g, dtype=torch.float64)
    assert equalization_loss(cls_score, labels, tail).item() == pytest.approx(
        naive_eql(cls_score, labels, tail), rel=1e-10)
    assert equalization_loss(cls_score, labels, tail, label_weights).item() == pytest.approx(
        naive_eql(cls_score, labels, tail, label_weights), rel=1e-10)
    assert equalization_loss(cls_score, labels, tail, reduction='sum').item() == pytest.approx(
        n * naive_eql(cls_score, labels, tail), rel=1e-10)
    assert equalization_loss(cls_score, labels, tail, reduction='none').shape == (n, c)
    # no tail class: plain sigmoid BCE over C columns, summed over classes, averaged over RoIs
    target = torch.nn.functional.one_hot(labels, c + 1)[:, :c].double()
    bce = torch.nn.functional.binary_cross_entropy_with_logits(cls_score, target, reduction='sum') / n
    assert equalization_loss(cls_score, labels, torch.zeros(c, dtype=torch.bool)).item() == pytest.approx(
        bce.item(), rel=1e-12)


def test_gradients_are_masked_exactly():
    """Negatives from foreground RoIs to tail classes get zero gradient; everything else the plain BCE one."""
    n, c = 6, 4
    cls_score = torch.randn(n, c, dtype=torch.float64, requires_grad=True)
    labels = torch.tensor([0, 1, 3, 4, 4, 2])  # RoIs 3, 4 are background
    tail = torch.tensor([False, True, True, False])
    equalization_loss(cls_score, labels, tail).backward()
    grad = cls_score.grad
    prob = cls_score.detach().sigmoid()
    for i in range(n):
        for j in range(c):
            y = float(labels[i] == j)
            if labels[i] < c and tail[j] and not y:
                assert grad[i, j] == 0, (i, j)
            else:
                # d BCE / dz = p - y, divided by the number of RoIs
                assert grad[i, j].item() == pytest.approx((prob[i, j].item() - y) / n, rel=1e-12), (i, j)
    # the background RoIs still suppress the tail classes
    assert (grad[3:5, 1:3] > 0).all()
    # a positive on a tail class keeps its gradient
    assert grad[1, 1] < 0


def test_module_forward_uses_the_tail_mask_and_loss_weight(small_lvis):
    loss = EqualizationLoss(num_classes=C, ann_file=small_lvis, tail_groups='r', loss_weight=2.0)
    cls_score = torch.randn(5, C)
    labels = torch.tensor([0, 3, 6, 5, 6])
    tail = torch.tensor([1, 1, 0, 0, 0, 0], dtype=torch.bool)
    expected = 2.0 * naive_eql(cls_score.double(), labels, tail)
    # avg_factor is ignored: the paper normalises by the number of RoIs
    assert loss(cls_score, labels, torch.ones(5), avg_factor=2.0).item() == pytest.approx(expected, rel=1e-5)


# ---------------------------------------------------------------- mmdet hooks


def test_hooks(small_lvis):
    loss = EqualizationLoss(num_classes=C, ann_file=small_lvis, lambda_=0.03)
    assert loss.custom_cls_channels and loss.custom_activation and loss.custom_accuracy
    assert loss.get_cls_channels(C) == C
    cls_score = torch.randn(4, C)
    scores = loss.get_activation(cls_score)
    assert scores.shape == (4, C + 1)
    torch.testing.assert_close(scores[:, :C], cls_score.sigmoid())
    assert (scores[:, C] == 0).all()
    # predicted: RoI 0 -> class 2 (p > 0.5), RoI 1 -> background (no p >= 0.5), RoI 2 -> class 0, RoI 3 -> 5
    cls_score = torch.full((4, C), -3.0)
    cls_score[0, 2] = 2.0
    cls_score[2, 0] = 1.0
    cls_score[3, 5] = 4.0
    labels = torch.tensor([2, C, 1, 5])
    acc = loss.get_accuracy(cls_score, labels)
    assert acc['acc'].item() == pytest.approx(75.0)
    assert acc['acc_fg'].item() == pytest.approx(200 / 3)


def test_frequencies_are_read_lazily(tmp_path):
    """Building needs no file (inference, config checks); the first loss computation does."""
    missing = str(tmp_path / 'no_such_file.json')
    loss = EqualizationLoss(num_classes=C, ann_file=missing, tail_groups='rc')
    assert loss.get_activation(torch.zeros(2, C)).shape == (2, C + 1)
    with pytest.raises(FileNotFoundError, match='no_such_file.json'):
        loss(torch.zeros(2, C), torch.tensor([0, C]))


@pytest.mark.parametrize('kwargs, error, match', [
    (dict(ann_file=None, tail_groups='r'), ValueError, 'ann_file'),
    (dict(tail_groups='x'), ValueError, 'unknown LVIS frequency group'),
    (dict(tail_groups=''), ValueError, 'unknown LVIS frequency group'),
    (dict(), ValueError, 'exactly one of'),
    (dict(lambda_=0.1, tail_groups='r'), ValueError, 'exactly one of'),
    (dict(lambda_=-1.0), ValueError, 'lambda_ must be >= 0'),
    (dict(tail_ratio=1.5), ValueError, 'tail_ratio must be in'),
])
def test_bad_arguments(small_lvis, kwargs, error, match):
    kwargs = dict(dict(num_classes=C, ann_file=small_lvis), **kwargs)
    with pytest.raises(error, match=match):
        EqualizationLoss(**kwargs)


def test_bad_inputs(small_lvis, tmp_path):
    loss = EqualizationLoss(num_classes=C, ann_file=small_lvis, tail_groups='r')
    labels = torch.tensor([0, C])
    with pytest.raises(ValueError, match=r'expects \(N, 6\) logits'):
        loss(torch.zeros(2, C + 1), labels)  # a C + 1 head: the background column EQL must not have
    with pytest.raises(ValueError, match=r'expects \(N, 6\) logits'):
        loss.get_activation(torch.zeros(2, C + 1))
    wrong = EqualizationLoss(num_classes=C + 1, ann_file=small_lvis, tail_groups='r')
    with pytest.raises(ValueError, match='has 6 categories but the loss has num_classes=7'):
        wrong(torch.zeros(2, C + 1), labels)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": []}')
    with pytest.raises(ValueError, match='neither an annotation file'):
        load_category_frequency(str(bad))
    # an empty batch gives a zero loss, not NaN
    assert loss(torch.zeros(0, C), torch.zeros(0, dtype=torch.long)).item() == 0


# ---------------------------------------------------------------- in mmdet detectors


def _loss_cfg(ann_file):
    return dict(type='EqualizationLoss', num_classes=C, ann_file=ann_file, tail_groups='rc')


def test_registered_and_distinct_from_mmdet():
    assert MODELS.get('EqualizationLoss') is EqualizationLoss
    assert MODELS.get('EQLV2Loss') is not None and MODELS.get('EQLV2Loss') is not EqualizationLoss


@pytest.mark.parametrize('kind', ['faster', 'mask'])
def test_in_two_stage_detector(tiny_detector, small_lvis, kind):
    model = tiny_detector(kind, _loss_cfg(small_lvis), C)
    head = model.roi_head.bbox_head
    assert head.fc_cls.out_features == C
    # the init_cfg of configs/eql reaches fc_cls: bias for a prior of 0.001, the other layers as by default
    torch.testing.assert_close(head.fc_cls.bias, torch.full((C,), -math.log((1 - 0.001) / 0.001)))
    assert head.fc_cls.weight.std().item() == pytest.approx(0.01, rel=0.3)
    assert head.fc_reg.weight.std().item() == pytest.approx(0.001, rel=0.3)

    packed = detector_inputs(C, with_mask=kind == 'mask')
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'loss_cls', 'acc', 'acc_fg'} <= set(losses)
    assert torch.isfinite(losses['loss_cls'])
    losses['loss_cls'].backward()
    assert head.fc_cls.weight.grad is not None and head.fc_cls.weight.grad.abs().sum() > 0

    # test time: scores are sigmoid-based (never softmax) through get_activation
    rois = torch.tensor([[0, 2.0, 2.0, 30.0, 30.0], [0, 10.0, 5.0, 40.0, 50.0]])
    cls_score = torch.randn(2, C)
    bbox_pred = torch.zeros(2, 4 * C)
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1.0, 1.0))
    result = head.predict_by_feat((rois, ), (cls_score, ), (bbox_pred, ), [meta], rcnn_test_cfg=None)[0]
    torch.testing.assert_close(result.scores, reference_scores('eql', cls_score))

    model.eval()
    model.roi_head.test_cfg.score_thr = 0.0
    with recording(head.loss_cls, 'get_activation') as calls, torch.no_grad():
        data = model.data_preprocessor(packed, False)
        pred = model.predict(data['inputs'], data['data_samples'])[0].pred_instances
    assert calls
    assert len(pred.scores) > 0
    assert scores_among(pred.scores, torch.cat([output for _, _, output in calls]))


def test_in_cascade_rcnn(tiny_detector, small_lvis):
    model = tiny_detector('cascade', _loss_cfg(small_lvis), C)
    assert all(h.fc_cls.out_features == C for h in model.roi_head.bbox_head)
    packed = detector_inputs(C, with_mask=True)
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    for stage in range(3):
        assert torch.isfinite(losses[f's{stage}.loss_cls'])
        assert f's{stage}.acc_fg' in losses
    model.eval()
    model.roi_head.test_cfg.score_thr = 0.0
    with torch.no_grad():
        data = model.data_preprocessor(packed, False)
        pred = model.predict(data['inputs'], data['data_samples'])[0].pred_instances
    assert len(pred.scores) > 0
    # sigmoid scores at a prior of 0.001 stay tiny; softmax over C + 1 would give about 1 / (C + 1)
    assert pred.scores.max() < 0.05
    assert (pred.labels < C).all()


def test_lvis_frequency_tool(small_lvis, tmp_path, capsys):
    import runpy

    from det_helpers import ROOT
    tool = runpy.run_path(f'{ROOT}/tools/data/lvis_frequency.py', run_name='lvis_frequency')
    out = tmp_path / 'sub' / 'freq.json'
    tool['main']([small_lvis, '--out', str(out), '--lambdas', '0.03', '0.1'])
    printed = capsys.readouterr().out
    assert '6 categories (r/c/f 2/2/2), 160 images with annotations, 200 instances' in printed
    rows = [line.split() for line in printed.splitlines() if line.strip().startswith('0.')]
    assert rows == [['0.03', '0.0200', '2', '2/2', '0/2', '0/2'], ['0.1', '0.1100', '4', '2/2', '2/2', '0/2']]
    # the written file is a valid ann_file of the loss, with the same tail
    by_file = EqualizationLoss(num_classes=C, ann_file=str(out), lambda_=0.03).load_tail_mask()
    by_ann = EqualizationLoss(num_classes=C, ann_file=small_lvis, lambda_=0.03).load_tail_mask()
    assert torch.equal(by_file, by_ann)
    with pytest.raises(FileNotFoundError, match='nope.json'):
        tool['main']([str(tmp_path / 'nope.json')])
