"""EqualizationLossV2: weights, loss and gradient statistics against a naive reference over two steps, buffers
in checkpoints, DDP (gloo, 2 processes), the logging hook, mmdet 3.3's BBoxHead hooks in tiny Faster / Mask /
Cascade R-CNNs, and bad input."""
import math
import os
import time
from types import SimpleNamespace

import pytest
import torch
import torch.multiprocessing as mp
from det_helpers import SMALL_CATEGORIES, detector_inputs, reference_scores
from mmdet.registry import HOOKS, MODELS
from mmengine.logging import MessageHub

from mmx.det.hooks import EqualizationLossV2LoggerHook
from mmx.det.losses import EqualizationLossV2, equalization_loss_v2
from mmx.det.losses.eqlv2 import eqlv2_class_weights
from mmx.testing import free_port, init_gloo

C = len(SMALL_CATEGORIES)
GAMMA, MU, ALPHA = 12.0, 0.8, 4.0


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def naive_weights(pos, neg):
    """Paper Eq. (7)-(9) per class, plus weight 1 for the background column."""
    r = [sigmoid(GAMMA * (p / (n + 1e-10) - MU)) for p, n in zip(pos, neg)] + [1.0]
    q = [1 + ALPHA * (1 - x) for x in r[:-1]] + [1.0]
    return q, r


def naive_step(cls_score, labels, q, r):
    """Loss and (positive, negative) gradient sums of one step, by loops over RoIs and classes."""
    n, c1 = cls_score.shape
    loss, pos, neg = 0.0, [0.0] * (c1 - 1), [0.0] * (c1 - 1)
    for i in range(n):
        for j in range(c1):
            y = 1.0 if int(labels[i]) == j else 0.0
            p = sigmoid(float(cls_score[i, j]))
            w = q[j] if y else r[j]
            loss += w * -(y * math.log(p) + (1 - y) * math.log(1 - p))
            if j < c1 - 1:
                if y:
                    pos[j] += w * abs(p - 1)
                else:
                    neg[j] += w * p
    return loss / n, pos, neg


def batch(seed: int, n: int = 8):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, C + 1, generator=g) * 2, torch.randint(0, C + 1, (n, ), generator=g)


# ---------------------------------------------------------------- formulas


def test_class_weights_by_hand():
    pos = torch.tensor([1.0, 0.8, 0.0, 3.0, 0.5, 0.0])
    neg = torch.tensor([1.0, 1.0, 2.0, 1.0, 0.0, 0.0])
    q, r = eqlv2_class_weights(pos, neg, GAMMA, MU, ALPHA)
    expected_q, expected_r = naive_weights(pos.tolist(), neg.tolist())
    torch.testing.assert_close(q, torch.tensor(expected_q))
    torch.testing.assert_close(r, torch.tensor(expected_r))
    assert r[1].item() == pytest.approx(0.5)  # g = μ
    assert q[1].item() == pytest.approx(1 + ALPHA / 2)
    assert q[-1] == 1 and r[-1] == 1  # background / objectness column


def test_loss_matches_naive_reference():
    cls_score, labels = batch(0)
    q, r = naive_weights([0.3, 1.0, 2.0, 0.1, 0.7, 0.9], [1.0] * C)
    loss, target, weight = equalization_loss_v2(cls_score, labels, torch.tensor(q), torch.tensor(r))
    expected, _, _ = naive_step(cls_score, labels, q, r)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert target.sum(1).eq(1).all() and (target.argmax(1) == labels).all()
    assert weight.shape == (8, C + 1)


def test_statistics_over_two_steps_match_reference():
    loss = EqualizationLossV2(num_classes=C)
    pos, neg = [0.0] * C, [0.0] * C
    for step in range(2):
        cls_score, labels = batch(step)
        # first step: all weights exactly 1 (official code); then the weights of the accumulated statistics
        q, r = ([1.0] * (C + 1), [1.0] * (C + 1)) if step == 0 else naive_weights(pos, neg)
        expected_loss, step_pos, step_neg = naive_step(cls_score, labels, q, r)
        assert loss(cls_score, labels).item() == pytest.approx(expected_loss, rel=1e-5)
        pos = [a + b for a, b in zip(pos, step_pos)]
        neg = [a + b for a, b in zip(neg, step_neg)]
        torch.testing.assert_close(loss.pos_grad, torch.tensor(pos))
        torch.testing.assert_close(loss.neg_grad, torch.tensor(neg))
        assert int(loss.num_updates) == step + 1
    q, r = loss.class_weights()
    expected_q, expected_r = naive_weights(pos, neg)
    torch.testing.assert_close(q, torch.tensor(expected_q))
    torch.testing.assert_close(r, torch.tensor(expected_r))


def test_first_step_weights_are_one_and_eval_does_not_update():
    loss = EqualizationLossV2(num_classes=C)
    q, r = loss.class_weights()
    assert (q == 1).all() and (r == 1).all()
    loss.eval()
    loss(*batch(0))
    assert int(loss.num_updates) == 0 and (loss.pos_grad == 0).all()


def test_gradient_is_the_weighted_bce_gradient():
    loss = EqualizationLossV2(num_classes=C)
    loss(*batch(0))  # now non-trivial weights
    q, r = loss.class_weights()
    cls_score, labels = batch(1)
    cls_score.requires_grad_(True)
    loss(cls_score, labels).backward()
    target = torch.nn.functional.one_hot(labels, C + 1).float()
    weight = q * target + r * (1 - target)
    torch.testing.assert_close(cls_score.grad, weight * (cls_score.detach().sigmoid() - target) / len(labels))


# ---------------------------------------------------------------- checkpoints


def test_buffers_in_state_dict_and_restored(tmp_path):
    loss = EqualizationLossV2(num_classes=C)
    for step in range(3):
        loss(*batch(step))
    state = loss.state_dict()
    assert set(state) == {'pos_grad', 'neg_grad', 'num_updates'}
    torch.save(state, tmp_path / 'eqlv2.pth')
    resumed = EqualizationLossV2(num_classes=C)
    resumed.load_state_dict(torch.load(tmp_path / 'eqlv2.pth', weights_only=True))
    for name in state:
        assert torch.equal(getattr(resumed, name), getattr(loss, name)), name
    # bit-exact continuation
    assert torch.equal(loss(*batch(7)), resumed(*batch(7)))
    assert torch.equal(loss.pos_grad, resumed.pos_grad) and torch.equal(loss.neg_grad, resumed.neg_grad)


# ---------------------------------------------------------------- DDP


def _ddp_features(rank: int, step: int):
    g = torch.Generator().manual_seed(100 * step + rank)
    return torch.randn(6 + rank, 4, generator=g), torch.randint(0, C + 1, (6 + rank, ), generator=g)


def _ddp_worker(rank: int, world_size: int, port: int, out_dir: str) -> None:
    import torch.distributed as dist
    init_gloo(rank, port, world_size)
    try:
        torch.manual_seed(0)
        model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, C + 1))
        loss = EqualizationLossV2(num_classes=C)
        for step in range(2):  # the second step uses the weights of the all-reduced first step
            x, labels = _ddp_features(rank, step)
            loss(model(x), labels).backward()
        torch.save(loss.state_dict(), f'{out_dir}/rank{rank}.pth')
    finally:
        dist.destroy_process_group()
    # About one run in four, a worker that has returned from here hangs in interpreter shutdown (after
    # destroy_process_group, with mmdet imported); its results are saved, so leave without the shutdown.
    # An exception above still reaches mp.spawn as usual.
    os._exit(0)


def test_ddp_statistics_are_all_reduced(tmp_path):
    context = mp.spawn(_ddp_worker, args=(2, free_port(), str(tmp_path)), nprocs=2, join=False)
    deadline = time.monotonic() + 120
    try:
        while not context.join(timeout=1):
            assert time.monotonic() < deadline, 'the DDP workers did not finish within 120 s'
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
    states = [torch.load(tmp_path / f'rank{r}.pth', weights_only=True) for r in range(2)]
    for name in ('pos_grad', 'neg_grad', 'num_updates'):
        assert torch.equal(states[0][name], states[1][name]), name
    # one process over the concatenated global batch
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, C + 1)
    single = EqualizationLossV2(num_classes=C)
    for step in range(2):
        xs, labels = zip(*(_ddp_features(r, step) for r in range(2)))
        single(layer(torch.cat(xs)), torch.cat(labels))
    torch.testing.assert_close(states[0]['pos_grad'], single.pos_grad, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(states[0]['neg_grad'], single.neg_grad, rtol=1e-5, atol=1e-6)
    assert int(states[0]['num_updates']) == 2


# ---------------------------------------------------------------- hooks of mmdet and the logging hook


def test_mmdet_hooks():
    loss = EqualizationLossV2(num_classes=C)
    assert loss.custom_cls_channels and loss.custom_activation and loss.custom_accuracy
    assert loss.get_cls_channels(C) == C + 1
    cls_score = torch.randn(5, C + 1)
    prob = cls_score.sigmoid()
    scores = loss.get_activation(cls_score)
    torch.testing.assert_close(scores[:, :C], prob[:, :C] * (1 - prob[:, C:]))
    torch.testing.assert_close(scores[:, C], prob[:, C])
    cls_score = torch.full((3, C + 1), -4.0)
    cls_score[0, 2] = 3.0  # class 2
    cls_score[1, C] = 3.0  # background
    cls_score[2, 1] = 3.0  # class 1
    acc = loss.get_accuracy(cls_score, torch.tensor([2, C, 0]))
    assert acc['acc'].item() == pytest.approx(200 / 3)
    assert acc['acc_fg'].item() == pytest.approx(50.0)


def test_group_weight_means(small_lvis):
    loss = EqualizationLossV2(num_classes=C, ann_file=small_lvis)
    assert loss.group_weight_means() == dict(pos_w=1.0, neg_w=1.0, pos_w_r=1.0, neg_w_r=1.0, pos_w_c=1.0,
                                             neg_w_c=1.0, pos_w_f=1.0, neg_w_f=1.0)
    loss(*batch(0))
    q, r = loss.class_weights()
    means = loss.group_weight_means()
    for name, idx in dict(r=[0, 1], c=[2, 3], f=[4, 5]).items():
        assert means[f'pos_w_{name}'] == pytest.approx(q[idx].mean().item())
        assert means[f'neg_w_{name}'] == pytest.approx(r[idx].mean().item())
    assert set(EqualizationLossV2(num_classes=C).group_weight_means()) == {'pos_w', 'neg_w'}


def test_logger_hook_writes_to_the_message_hub(small_lvis):
    assert HOOKS.get('EqualizationLossV2LoggerHook') is EqualizationLossV2LoggerHook
    model = torch.nn.Module()
    model.loss_cls = EqualizationLossV2(num_classes=C, ann_file=small_lvis)
    model.loss_cls(*batch(0))
    hub = MessageHub.get_instance('test_eqlv2_logger_hook')
    runner = SimpleNamespace(model=model, message_hub=hub, iter=0)
    EqualizationLossV2LoggerHook().after_train_iter(runner, 0)
    means = model.loss_cls.group_weight_means()
    assert hub.get_scalar('train/eqlv2_neg_w_r').current() == pytest.approx(means['neg_w_r'])
    assert hub.get_scalar('train/eqlv2_pos_w_f').current() == pytest.approx(means['pos_w_f'])
    with pytest.raises(ValueError, match='interval'):
        EqualizationLossV2LoggerHook(interval=0)


# ---------------------------------------------------------------- bad input


def test_bad_inputs(tmp_path, small_lvis):
    loss = EqualizationLossV2(num_classes=C)
    with pytest.raises(ValueError, match=r'expects \(N, 7\) logits'):
        loss(torch.zeros(2, C), torch.tensor([0, C]))  # EQL's layout: no objectness column
    with pytest.raises(ValueError, match=r'expects \(N, 7\) logits'):
        loss.get_activation(torch.zeros(2, C))
    missing = EqualizationLossV2(num_classes=C, ann_file=str(tmp_path / 'missing.json'))
    with pytest.raises(FileNotFoundError, match='missing.json'):
        missing.group_weight_means()
    with pytest.raises(ValueError, match='has 6 categories'):
        EqualizationLossV2(num_classes=C + 2, ann_file=small_lvis).group_weight_means()
    # an empty batch: zero loss, statistics unchanged except the step count
    assert loss(torch.zeros(0, C + 1), torch.zeros(0, dtype=torch.long)).item() == 0
    assert (loss.pos_grad == 0).all() and (loss.neg_grad == 0).all()


# ---------------------------------------------------------------- in mmdet detectors


def test_registered_and_distinct_from_mmdet():
    assert MODELS.get('EqualizationLossV2') is EqualizationLossV2
    assert MODELS.get('EQLV2Loss') is not EqualizationLossV2


@pytest.mark.parametrize('kind', ['faster', 'mask'])
def test_in_two_stage_detector(tiny_detector, kind):
    model = tiny_detector(kind, dict(type='EqualizationLossV2', num_classes=C), C)
    head = model.roi_head.bbox_head
    assert head.fc_cls.out_features == C + 1
    torch.testing.assert_close(head.fc_cls.bias, torch.full((C + 1, ), -math.log((1 - 0.001) / 0.001)))

    packed = detector_inputs(C, with_mask=kind == 'mask')
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert {'loss_cls', 'acc', 'acc_fg'} <= set(losses) and torch.isfinite(losses['loss_cls'])
    assert int(head.loss_cls.num_updates) == 1 and head.loss_cls.neg_grad.sum() > 0
    assert 'roi_head.bbox_head.loss_cls.pos_grad' in model.state_dict()

    rois = torch.tensor([[0, 2.0, 2.0, 30.0, 30.0], [0, 10.0, 5.0, 40.0, 50.0]])
    cls_score = torch.randn(2, C + 1)
    meta = dict(img_shape=(64, 64), ori_shape=(64, 64), scale_factor=(1.0, 1.0))
    result = head.predict_by_feat((rois, ), (cls_score, ), (torch.zeros(2, 4 * C), ), [meta],
                                  rcnn_test_cfg=None)[0]
    torch.testing.assert_close(result.scores, reference_scores('eqlv2', cls_score))

    model.eval()
    model.roi_head.test_cfg.score_thr = 0.0
    with torch.no_grad():
        data = model.data_preprocessor(packed, False)
        pred = model.predict(data['inputs'], data['data_samples'])[0].pred_instances
    assert len(pred.scores) > 0 and pred.scores.max() < 0.05  # sigmoid at prior 0.001, not softmax
    assert int(head.loss_cls.num_updates) == 1  # inference does not touch the statistics


def test_in_cascade_rcnn(tiny_detector):
    model = tiny_detector('cascade', dict(type='EqualizationLossV2', num_classes=C), C)
    heads = model.roi_head.bbox_head
    assert all(h.fc_cls.out_features == C + 1 for h in heads)
    packed = detector_inputs(C, with_mask=True)
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    for stage in range(3):
        assert torch.isfinite(losses[f's{stage}.loss_cls'])
        assert int(heads[stage].loss_cls.num_updates) == 1  # each stage keeps its own statistics
    assert not torch.equal(heads[0].loss_cls.neg_grad, heads[2].loss_cls.neg_grad)
    model.eval()
    model.roi_head.test_cfg.score_thr = 0.0
    with torch.no_grad():
        data = model.data_preprocessor(packed, False)
        pred = model.predict(data['inputs'], data['data_samples'])[0].pred_instances
    assert len(pred.scores) > 0 and pred.scores.max() < 0.05 and (pred.labels < C).all()


@pytest.mark.slow
def test_toy_config_trains_logs_and_resumes_bit_exactly(tmp_path, toy_lvis_data):
    """Three iterations of the EQLv2 toy config with mmengine's Runner: the hook's values reach the log, the
    statistics reach the checkpoint, and resuming restores them exactly."""
    from det_helpers import ROOT, short_run_cfg
    from mmengine.runner import Runner

    def runner(resume: bool) -> Runner:
        cfg = short_run_cfg(f'{ROOT}/configs/eql/mask-rcnn_r18-tiny_fpn_eqlv2_3e_toy-lvis.py', str(tmp_path),
                            iters=3)
        cfg.resume = resume
        cfg.experiment_name = f'eqlv2_resume_{resume}'
        return Runner.from_cfg(cfg)

    trained = runner(resume=False)
    trained.train()
    loss = trained.model.roi_head.bbox_head.loss_cls
    assert int(loss.num_updates) == 3
    logged = trained.message_hub.get_scalar('train/eqlv2_neg_w_r').current()
    assert logged == pytest.approx(loss.group_weight_means()['neg_w_r'])

    resumed = runner(resume=True)
    resumed.load_or_resume()
    restored = resumed.model.roi_head.bbox_head.loss_cls
    for name in ('pos_grad', 'neg_grad', 'num_updates'):
        assert torch.equal(getattr(restored, name), getattr(loss, name)), name
