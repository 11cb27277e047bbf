"""Box voting (mmx.det.post_processing.box_voting, BoxVotingTTAModel) and the ensemble tool tools/ensemble/box_voting.py:
hand-computed fusion, one model = itself, missing models count zero, experts, safe pickle loading, the
greedy weight search and evaluation with mmdet's LVISMetric on the toy data."""
import json
import os.path as osp
import pickle
import runpy

import numpy as np
import pytest
import torch
from det_helpers import ROOT

from mmx.det.post_processing import box_voting

TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'ensemble', 'box_voting.py'), run_name='box_voting_tool')
TOY_CONFIG = osp.join(ROOT, 'configs', 'eql', 'faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py')


def test_hand_computed_fusion():
    a = dict(boxes=np.array([[0., 0, 10, 10], [50, 50, 60, 60]]), scores=np.array([0.9, 0.6]), labels=np.array([1, 1]))
    b = dict(boxes=np.array([[2., 0, 12, 10]]), scores=np.array([0.3]), labels=np.array([1]))
    boxes, scores, labels = box_voting([a['boxes'], b['boxes']], [a['scores'], b['scores']],
                                       [a['labels'], b['labels']], weights=[1.0, 3.0], iou_thr=0.5)
    # cluster 1: both models; box = (0.9 * 1 * A + 0.3 * 3 * B) / (0.9 + 0.9); score = (0.9 * 1 + 0.3 * 3) / 4
    np.testing.assert_allclose(boxes[0], [1, 0, 11, 10])
    np.testing.assert_allclose(scores, [(0.9 + 0.9) / 4, 0.6 / 4])  # model b has no box at (50, 50): 0
    assert labels.tolist() == [1, 1]


def test_one_model_is_itself_and_one_box_per_model():
    g = np.random.default_rng(0)
    xy = g.uniform(0, 100, (40, 2))
    boxes = np.concatenate([xy, xy + g.uniform(5, 30, (40, 2))], 1)
    scores, labels = g.uniform(0.01, 1, 40), g.integers(0, 3, 40)
    fb, fs, fl = box_voting([boxes], [scores], [labels], weights=[2.0])
    order = np.argsort(-scores, kind='stable')
    # overlapping boxes of one model never merge: the ensemble of one model is that model
    np.testing.assert_allclose(fb, boxes[order])
    np.testing.assert_allclose(fs, scores[order])
    assert (fl == labels[order]).all()
    # the same model twice: every box meets its copy, scores and boxes unchanged
    fb2, fs2, _ = box_voting([boxes, boxes], [scores, scores], [labels, labels])
    np.testing.assert_allclose(fs2, fs)
    np.testing.assert_allclose(fb2, fb)


def test_expert_votes_on_its_classes_only():
    box = np.array([[0., 0, 10, 10]])
    fb, fs, fl = box_voting([box, box], [np.array([0.8]), np.array([0.4])], [np.array([0]), np.array([0])],
                            model_classes=[None, [0]])
    np.testing.assert_allclose(fs, [0.6])
    # the expert's box of a class it does not cover is ignored, and the class is averaged over 1 model
    fb, fs, fl = box_voting([box, box], [np.array([0.8]), np.array([0.4])], [np.array([1]), np.array([1])],
                            model_classes=[None, [0]])
    np.testing.assert_allclose(fs, [0.8])


def test_bad_input():
    with pytest.raises(ValueError, match='same number'):
        box_voting([], [], [])
    with pytest.raises(ValueError, match='weights must be'):
        box_voting([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0)], weights=[0.0])
    with pytest.raises(ValueError, match='model 0'):
        box_voting([np.zeros((2, 4))], [np.zeros(1)], [np.zeros(2)])
    fb, fs, fl = box_voting([np.zeros((0, 4))], [np.zeros(0)], [np.zeros(0)])
    assert fb.shape == (0, 4)


def noisy_results(seed, drop=0.3):
    """Detections made from the toy validation ground truth: jittered boxes, random scores, some missed."""
    with open(osp.join(ROOT, 'data', 'toy_lvis', 'annotations', 'lvis_v1_val.json')) as f:
        ann = json.load(f)
    cat_ids = sorted(c['id'] for c in ann['categories'])
    g = np.random.default_rng(seed)
    per_img = {img['id']: [] for img in ann['images']}
    for a in ann['annotations']:
        x, y, w, h = a['bbox']
        if g.random() < drop:
            continue
        jitter = g.normal(0, 0.15, 4) * [w, h, w, h]
        per_img[a['image_id']].append(([x, y, x + w, y + h] + jitter, g.uniform(0.3, 1),
                                       cat_ids.index(a['category_id'])))
        # a false positive of a random class
        per_img[a['image_id']].append(([x, y, x + w, y + h] + jitter * 3, g.uniform(0, 0.6), int(g.integers(24))))
    results = []
    for img_id, dets in per_img.items():
        results.append(dict(img_id=img_id, pred_instances=dict(
            bboxes=torch.tensor(np.array([d[0] for d in dets]).reshape(-1, 4), dtype=torch.float32),
            scores=torch.tensor([d[1] for d in dets], dtype=torch.float32),
            labels=torch.tensor([d[2] for d in dets], dtype=torch.long))))
    return results


def test_safe_pickle_loading(tmp_path):
    results = noisy_results(0)[:3]
    path = str(tmp_path / 'a.pkl')
    with open(path, 'wb') as f:
        pickle.dump(results, f)
    loaded = TOOL['safe_load_pickle'](path)
    assert torch.equal(loaded[0]['pred_instances']['bboxes'], results[0]['pred_instances']['bboxes'])

    class Evil:
        def __reduce__(self):
            return (print, ('pwned',))
    with open(path, 'wb') as f:
        pickle.dump([Evil()], f)
    with pytest.raises(pickle.UnpicklingError, match='refusing to load builtins.print'):
        TOOL['safe_load_pickle'](path)
    with pytest.raises(FileNotFoundError, match='no result file'):
        TOOL['load_detections'](str(tmp_path / 'missing.pkl'), [])


def test_tool_end_to_end(tmp_path, toy_lvis_data, capsys):
    paths = []
    for seed in (1, 2):
        paths.append(str(tmp_path / f'm{seed}.pkl'))
        with open(paths[-1], 'wb') as f:
            pickle.dump(noisy_results(seed), f)
    out = str(tmp_path / 'fused.json')
    summary = TOOL['main'](paths + ['--config', TOY_CONFIG, '--data-root', toy_lvis_data, '--out', out])
    assert summary['key'] == 'lvis/bbox_AP'
    # two noisy, independently wrong models: the vote beats each of them
    assert summary['ensemble'] > max(summary['single'].values())
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])['ensemble'] == summary['ensemble']
    # the written JSON reads back to the fused detections
    evaluator = TOOL['DatasetEvaluator'](TOY_CONFIG, toy_lvis_data)
    fused = TOOL['fuse']([TOOL['load_detections'](p, evaluator.cat_ids) for p in paths])
    again = TOOL['load_detections'](out, evaluator.cat_ids)
    img_id = next(k for k, v in fused.items() if len(v[0]))
    np.testing.assert_allclose(again[img_id][0], fused[img_id][0], atol=1e-3)
    np.testing.assert_allclose(again[img_id][1], fused[img_id][1], atol=1e-6)


def test_weight_search():
    """Greedy coordinate search on a stand-in metric that peaks at weights (2, 0, 1)."""
    box = np.array([[0., 0, 10, 10]])
    runs = [{1: (box, np.array([s]), np.array([0]))} for s in (0.9, 0.5, 0.7)]
    target = np.array([2.0, 0.0, 1.0])

    class Metric:
        calls = 0

        def evaluate(self, dets):
            self.calls += 1
            # the fused score of the one cluster tells the weights apart: (0.9 w0 + 0.5 w1 + 0.7 w2) / sum(w)
            fused = float(dets[1][1][0])
            best = float((target * [0.9, 0.5, 0.7]).sum() / target.sum())
            return {'lvis/bbox_AP': -abs(fused - best)}

    metric = Metric()
    weights, best, history = TOOL['search_weights'](runs, metric, [0.0, 1.0, 2.0], 0.55, 100)
    assert history[0] == ([1.0, 1.0, 1.0], history[0][1])
    assert best == max(v for _, v in history) == pytest.approx(0.0, abs=1e-12)
    assert weights == [2.0, 0.0, 1.0]
    assert metric.calls == len(history)


def test_tta_model_merges_views_by_voting():
    from mmdet.registry import MODELS
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    from mmx.det.post_processing import BoxVotingTTAModel

    # merge_preds needs only tta_cfg (building one wraps a whole detector)
    tta = BoxVotingTTAModel.__new__(BoxVotingTTAModel)
    tta.tta_cfg = dict(iou_thr=0.5, max_per_img=10)
    views = []
    for flip, box in ((False, [10., 10, 30, 30]), (True, [70., 10, 90, 30])):  # the same box, flipped in 100 px
        sample = DetDataSample(metainfo=dict(ori_shape=(100, 100), flip=flip, flip_direction='horizontal'))
        sample.pred_instances = InstanceData(bboxes=torch.tensor([box]), scores=torch.tensor([0.8 if flip else 0.4]),
                                             labels=torch.tensor([2]))
        views.append(sample)
    merged = tta.merge_preds([views])[0].pred_instances
    torch.testing.assert_close(merged.bboxes, torch.tensor([[10., 10, 30, 30]]))
    torch.testing.assert_close(merged.scores, torch.tensor([0.6]))
    assert merged.labels.tolist() == [2]
    tta.tta_cfg = dict(nms=dict(type='nms'))
    with pytest.raises(KeyError, match='unknown keys'):
        tta.merge_preds([views])
    assert MODELS.get('BoxVotingTTAModel') is BoxVotingTTAModel
