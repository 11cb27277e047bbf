"""tools/ensemble/video_scores.py: alignment by file name, activations, weights, the dataset's metric
(single-label accuracy, multi-label mAP against sklearn), the JSON summary and its --out, and bad input."""
import json
import os.path as osp
import runpy

import numpy as np
import pytest
import torch
from mmengine.fileio import dump, load
from sklearn.metrics import average_precision_score

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'ensemble', 'video_scores.py'), run_name='video_scores')


def write(path, scores, labels, names=None, order=None):
    order = range(len(scores)) if order is None else order
    results = []
    for i in order:
        result = dict(pred_score=torch.tensor(scores[i]), gt_label=torch.tensor(labels[i]))
        if names is not None:
            result['filename'] = names[i]
        results.append(result)
    dump(results, str(path))
    return str(path)


def test_single_label_ensemble_beats_its_members(tmp_path, capsys):
    """Two models each right on a different half of the videos; their average is right on all of them."""
    labels = [[0], [1], [2], [0]]
    a = [[.9, .05, .05], [.2, .5, .3], [.6, .1, .3], [.3, .4, .3]]  # right on 0, 1
    b = [[.3, .4, .3], [.4, .3, .3], [.1, .2, .7], [.8, .1, .1]]    # right on 2, 3
    names = [f'v{i}.mp4' for i in range(4)]
    pa = write(tmp_path / 'a.pkl', a, labels, names)
    pb = write(tmp_path / 'b.pkl', b, labels, names, order=[3, 1, 0, 2])  # another order: matched by name
    out = str(tmp_path / 'ens.pkl')
    summary = TOOL['main']([pa, pb, '--out', out])
    assert summary['top1'] == 100.0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert json.loads(last) == summary
    saved = load(out)
    np.testing.assert_allclose(saved[2]['pred_score'], (np.array(a[2]) + np.array(b[2])) / 2)
    assert saved[0]['filename'] == 'v0.mp4'
    weighted = TOOL['main']([pa, pb, '--weights', '1', '0'])
    assert weighted['top1'] == 50.0  # model a alone


def test_multilabel_uses_both_maps(tmp_path):
    rng = np.random.default_rng(0)
    labels = (rng.random((12, 5)) < 0.4).astype(np.float32)
    labels[labels.sum(1) == 0, 0] = 1
    logits = [rng.normal(size=(12, 5)) for _ in range(3)]
    paths = [write(tmp_path / f'm{k}.pkl', s, labels) for k, s in enumerate(logits)]
    summary = TOOL['main'](paths + ['--activation', 'sigmoid'])
    mean = sum(1 / (1 + np.exp(-s)) for s in logits) / 3
    per_video = np.mean([average_precision_score(y, s) for s, y in zip(mean, labels)])
    per_class = np.mean([average_precision_score(labels[:, c], mean[:, c]) for c in range(5) if labels[:, c].any()])
    assert summary['mmit_mAP'] == pytest.approx(100 * per_video, abs=0.01)
    assert summary['mAP'] == pytest.approx(100 * per_class, abs=0.01)


def test_activations():
    scores = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(TOOL['activate'](scores, 'softmax').sum(1), 1)
    np.testing.assert_allclose(TOOL['activate'](scores, 'sigmoid'), 1 / (1 + np.exp(-scores)))
    with pytest.raises(ValueError, match='activation'):
        TOOL['activate'](scores, 'relu')


@pytest.mark.parametrize('case,message', [
    ('labels', 'different labels'),
    ('length', 'has 3 videos'),
    ('classes', 'different numbers of classes'),
    ('names', 'lacks 1 videos'),
])
def test_mismatched_files_are_named(tmp_path, case, message):
    labels, scores, names = [[0], [1], [1], [0]], [[.6, .4]] * 4, ['a', 'b', 'c', 'd']
    first = write(tmp_path / 'first.pkl', scores, labels, names)
    other = dict(labels=(labels, scores, names))
    if case == 'labels':
        other = ([[1], [1], [1], [0]], scores, names)
    elif case == 'length':
        other = (labels[:3], scores[:3], names[:3])
    elif case == 'classes':
        other = (labels, [[.3, .3, .4]] * 4, names)
    else:
        other = (labels, scores, ['a', 'b', 'c', 'e'])
    second = write(tmp_path / 'second.pkl', other[1], other[0], other[2])
    with pytest.raises(ValueError, match=message):
        TOOL['main']([first, second])


def test_bad_files_and_weights(tmp_path):
    empty = str(tmp_path / 'empty.pkl')
    dump([], empty)
    with pytest.raises(ValueError, match='non-empty list'):
        TOOL['main']([empty])
    no_scores = str(tmp_path / 'no_scores.pkl')
    dump([dict(gt_label=torch.tensor([0]))], no_scores)
    with pytest.raises(ValueError, match='no pred_score'):
        TOOL['main']([no_scores])
    with pytest.raises(FileNotFoundError):
        TOOL['main']([str(tmp_path / 'missing.pkl')])
    with pytest.raises(ValueError, match='non-negative weight'):
        TOOL['ensemble']([np.ones((2, 2))] * 2, [1, -1])
    with pytest.raises(SystemExit):
        TOOL['parse_args'](['a.pkl', 'b.pkl', '--weights', '1'])
