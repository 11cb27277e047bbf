"""The avoidance rule of cross-dataset training: the mask against a hand-computed one, its composition with
EQL / EQLv2 / focal loss, exact equality with the plain losses when every class is annotated, and the heads
that hand the per-sample masks to their losses."""
import numpy as np
import pytest
import torch
from det_helpers import detector_inputs, recording, tiny_detector_cfg
from mmdet.registry import MODELS
from mmengine.registry import DefaultScope

from mmx.det.losses import (EqualizationLossV2, RoISigmoidCELoss, annotated_class_masks,
                            avoidance_mask, cross_dataset_label_weights, equalization_loss,
                            equalization_loss_v2)

C = 4


def hand_case():
    """Five samples, C = 4: labels 0, 4 (bg), 2, 4 (bg), 4 (bg); the annotated classes of their images."""
    labels = torch.tensor([0, 4, 2, 4, 4])
    annotated = torch.tensor([[1, 1, 0, 0],
                              [1, 1, 0, 0],
                              [0, 0, 1, 1],
                              [0, 0, 1, 1],
                              [1, 1, 1, 1]], dtype=torch.bool)
    # written by hand: background rows lose the classes their image does not annotate; foreground rows keep all
    keep = torch.tensor([[1, 1, 1, 1],
                         [1, 1, 0, 0],
                         [1, 1, 1, 1],
                         [0, 0, 1, 1],
                         [1, 1, 1, 1]], dtype=torch.bool)
    return labels, annotated, keep


def test_avoidance_mask_equals_hand_mask():
    labels, annotated, keep = hand_case()
    assert torch.equal(avoidance_mask(labels, annotated), keep)
    lw = torch.tensor([1.0, 0.5, 1.0, 2.0, 1.0])
    w = cross_dataset_label_weights(labels, lw, annotated, C)
    assert torch.equal(w, lw[:, None] * keep.float())
    w1 = cross_dataset_label_weights(labels, lw, annotated, C + 1)  # objectness column never masked
    assert torch.equal(w1, torch.cat([lw[:, None] * keep.float(), lw[:, None]], 1))
    with pytest.raises(ValueError, match='num_channels'):
        cross_dataset_label_weights(labels, lw, annotated, C + 2)
    with pytest.raises(ValueError, match='annotated must be'):
        avoidance_mask(labels, annotated[:3])


def test_annotated_class_masks_from_metainfo():
    metas = [dict(annotated_labels=np.array([0, 3])), dict(), dict(annotated_labels=np.array([], np.int64))]
    mask = annotated_class_masks(metas, C)
    assert mask.tolist() == [[True, False, False, True], [True] * 4, [False] * 4]
    with pytest.raises(ValueError, match='not all in'):
        annotated_class_masks([dict(annotated_labels=[4])], C)


def naive_masked_bce(cls_score, labels, keep):
    """Masked sigmoid CE as loops (float64), normalised by N."""
    n, c = cls_score.shape
    total = 0.0
    for i in range(n):
        for j in range(c):
            y = 1.0 if labels[i] == j else 0.0
            p = 1 / (1 + np.exp(-float(cls_score[i, j])))
            total += float(keep[i, j]) * -(y * np.log(p) + (1 - y) * np.log(1 - p))
    return total / n


def test_masked_sigmoid_ce_and_eql_compose():
    labels, annotated, keep = hand_case()
    g = torch.Generator().manual_seed(0)
    score = torch.randn(5, C, generator=g, dtype=torch.float64)
    w = cross_dataset_label_weights(labels, torch.ones(5, dtype=torch.float64), annotated, C)
    no_tail = torch.zeros(C, dtype=torch.bool)
    assert equalization_loss(score, labels, no_tail, w).item() == pytest.approx(
        naive_masked_bce(score, labels, keep), rel=1e-12)
    # EQL: the element weight is EQL's w_ij times the mask (tail = class 1: foreground rows lose its negatives)
    tail = torch.tensor([False, True, False, False])
    eql_keep = keep.clone()
    eql_keep[0, 1] = eql_keep[2, 1] = False
    assert equalization_loss(score, labels, tail, w).item() == pytest.approx(
        naive_masked_bce(score, labels, eql_keep), rel=1e-12)


def test_all_annotated_equals_plain_exactly():
    labels, _, _ = hand_case()
    everything = torch.ones(5, C, dtype=torch.bool)
    g = torch.Generator().manual_seed(1)
    lw = torch.rand(5, generator=g)
    score = torch.randn(5, C, generator=g)
    tail = torch.tensor([False, True, True, False])
    w = cross_dataset_label_weights(labels, lw, everything, C)
    assert torch.equal(equalization_loss(score, labels, tail, w), equalization_loss(score, labels, tail, lw))
    score1 = torch.randn(5, C + 1, generator=g)
    q, r = torch.rand(C + 1, generator=g) + 1, torch.rand(C + 1, generator=g)
    w1 = cross_dataset_label_weights(labels, lw, everything, C + 1)
    assert torch.equal(equalization_loss_v2(score1, labels, q, r, w1)[0],
                       equalization_loss_v2(score1, labels, q, r, lw)[0])
    focal = MODELS.build(dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25))
    assert torch.equal(focal(score, labels, w, avg_factor=3.0), focal(score, labels, lw, avg_factor=3.0))


def test_eqlv2_statistics_leave_masked_negatives_out():
    labels, annotated, keep = hand_case()
    loss = EqualizationLossV2(num_classes=C)
    plain = EqualizationLossV2(num_classes=C)
    score = torch.randn(5, C + 1, generator=torch.Generator().manual_seed(2))
    w = cross_dataset_label_weights(labels, torch.ones(5), annotated, C + 1)
    loss(score, labels, w)
    plain(score, labels, torch.ones(5))
    prob = score.sigmoid()[:, :C]
    neg = ((labels[:, None] != torch.arange(C)) & keep).float()
    assert torch.allclose(loss.neg_grad, (prob * neg).sum(0))
    assert torch.allclose(plain.neg_grad, (prob * (labels[:, None] != torch.arange(C)).float()).sum(0))
    with pytest.raises(ValueError, match='label_weights must be'):
        equalization_loss(score[:, :C], labels, torch.zeros(C, dtype=torch.bool), torch.ones(5, C + 1))


def test_roi_sigmoid_ce_needs_no_file_and_is_plain_bce():
    loss = RoISigmoidCELoss(num_classes=C)
    labels, _, _ = hand_case()
    score = torch.randn(5, C, dtype=torch.float64)
    assert loss(score, labels).item() == pytest.approx(
        naive_masked_bce(score, labels, torch.ones(5, C)), rel=1e-12)
    assert loss.get_cls_channels(C) == C


def retina_heads():
    cfg = dict(type='RetinaHead', num_classes=C, in_channels=8, feat_channels=8, stacked_convs=1,
               anchor_generator=dict(type='AnchorGenerator', octave_base_scale=4, scales_per_octave=1,
                                     ratios=[1.0], strides=[8, 16]),
               bbox_coder=dict(type='DeltaXYWHBBoxCoder', target_means=[.0] * 4, target_stds=[1.0] * 4),
               loss_cls=dict(type='FocalLoss', use_sigmoid=True, gamma=2.0, alpha=0.25, loss_weight=1.0),
               loss_bbox=dict(type='L1Loss', loss_weight=1.0),
               train_cfg=dict(assigner=dict(type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
                                            min_pos_iou=0, ignore_iof_thr=-1),
                              sampler=dict(type='PseudoSampler'), allowed_border=-1, pos_weight=-1,
                              debug=False))
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        plain = MODELS.build(cfg)
        aware = MODELS.build(dict(cfg, type='DatasetAwareRetinaHead'))
    aware.load_state_dict(plain.state_dict())
    return plain, aware


def retina_inputs():
    from mmengine.structures import InstanceData
    torch.manual_seed(0)
    feats = [torch.randn(2, 8, 8, 8), torch.randn(2, 8, 4, 4)]
    gts = []
    for boxes, labels in (([[4., 4., 30., 30.]], [0]), ([[20., 10., 60., 50.]], [2])):
        gts.append(InstanceData(bboxes=torch.tensor(boxes), labels=torch.tensor(labels)))
    metas = [dict(img_shape=(64, 64), pad_shape=(64, 64)) for _ in range(2)]
    return feats, gts, metas


def test_retina_head_all_annotated_equals_plain_and_mask_matches_hand():
    plain, aware = retina_heads()
    feats, gts, metas = retina_inputs()
    cls_scores, bbox_preds = plain(feats)
    ref = plain.loss_by_feat(cls_scores, bbox_preds, gts, metas)
    for m in metas:
        m['annotated_labels'] = np.arange(C)
    out = aware.loss_by_feat(cls_scores, bbox_preds, gts, metas)
    for a, b in zip(ref['loss_cls'], out['loss_cls']):
        assert torch.equal(a, b)
    # image 0 annotates {0, 1}, image 1 annotates {2, 3}: the per-anchor weights given to FocalLoss
    metas[0]['annotated_labels'], metas[1]['annotated_labels'] = np.array([0, 1]), np.array([2, 3])
    with recording(aware.loss_cls, 'forward') as calls:
        masked = aware.loss_by_feat(cls_scores, bbox_preds, gts, metas)
    with recording(plain.loss_cls, 'forward') as plain_calls:
        plain.loss_by_feat(cls_scores, bbox_preds, gts, metas)
    annotated = torch.tensor([[1, 1, 0, 0], [0, 0, 1, 1]], dtype=torch.bool)
    for (args, _, _), (pargs, _, _), level in zip(calls, plain_calls, range(2)):
        labels, plain_w, weight = pargs[1], pargs[2], args[2].view(-1, C)
        num_anchors = labels.numel() // 2
        img = torch.arange(labels.numel()) // num_anchors
        hand = torch.ones(labels.numel(), C)
        for i in range(labels.numel()):
            if labels[i] == C:
                hand[i] = annotated[img[i]].float()
        assert torch.equal(weight, plain_w[:, None] * hand)
    assert sum(masked['loss_cls']) < sum(ref['loss_cls'])


def test_retina_head_needs_sigmoid():
    with DefaultScope.overwrite_default_scope('mmdet'), pytest.raises(ValueError, match='sigmoid'):
        MODELS.build(dict(type='DatasetAwareRetinaHead', num_classes=C, in_channels=8,
                          loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False)))


@pytest.mark.parametrize('loss_cls', [dict(type='RoISigmoidCELoss', num_classes=3),
                                      dict(type='EqualizationLossV2', num_classes=3)])
def test_roi_head_mask_reaches_the_loss(tmp_path, loss_cls):
    cfg = tiny_detector_cfg(tmp_path, 'faster', loss_cls, 3)
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        plain = MODELS.build(cfg.model)
        cfg.model.roi_head.type = 'DatasetAwareRoIHead'
        aware = MODELS.build(cfg.model)
    plain.init_weights()
    aware.load_state_dict(plain.state_dict())
    packed = detector_inputs(3, with_mask=False)
    packed['data_samples'][0].set_metainfo(dict(annotated_labels=np.arange(3)))
    data = plain.data_preprocessor(packed, True)
    torch.manual_seed(1)
    ref = plain.loss(data['inputs'], data['data_samples'])
    torch.manual_seed(1)
    with recording(aware.roi_head.bbox_head.loss_cls, 'forward') as calls:
        out = aware.loss(data['inputs'], data['data_samples'])
    assert torch.equal(ref['loss_cls'], out['loss_cls'])  # all annotated: exactly the plain loss
    assert calls[0][0][2].shape == calls[0][0][0].shape  # (N, K) element weights reached the loss
    data['data_samples'][0].set_metainfo(dict(annotated_labels=np.array([1])))
    torch.manual_seed(1)
    with recording(aware.roi_head.bbox_head.loss_cls, 'forward') as calls:
        aware.loss(data['inputs'], data['data_samples'])
    score, labels, weights = calls[0][0][:3]
    keep = avoidance_mask(labels, torch.tensor([[False, True, False]]).expand(len(labels), 3))
    expected = keep.float()
    if score.size(1) == 4:
        expected = torch.cat([expected, torch.ones(len(labels), 1)], 1)
    assert torch.equal(weights, expected)
    with DefaultScope.overwrite_default_scope('mmdet'), pytest.raises(ValueError, match='per-class weights'):
        bad = tiny_detector_cfg(tmp_path, 'faster', dict(type='CrossEntropyLoss'), 3)
        bad.model.roi_head.type = 'DatasetAwareRoIHead'
        MODELS.build(bad.model)
