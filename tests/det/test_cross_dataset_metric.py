"""CrossDatasetMetric: routing by source, labels mapped back to each source's own, keys side by side."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric

from mmx.det.evaluation import CrossDatasetMetric


class Recording(BaseMetric):
    """Keeps the labels it is given; reports how many samples and which labels it saw."""
    default_prefix = 'rec'

    def process(self, data_batch, data_samples):
        for s in data_samples:
            self.results.append((s['img_id'], s['pred_instances']['labels'].tolist(),
                                 s['gt_instances']['labels'].tolist(), s['pred_instances']['scores'].tolist()))

    def compute_metrics(self, results):
        return dict(n=len(results), results=results, classes=self.dataset_meta['classes'])


META = dict(
    classes=('person', 'car', 'dog', 'face'),
    source_label_maps={'det': (0, 1, 2), 'faces': (3, 0)},
    source_metainfo={'det': dict(classes=('person', 'car', 'dog')), 'faces': dict(classes=('face', 'human'))})


def sample(img_id, source, pred, gt):
    return dict(img_id=img_id, source=source,
                pred_instances=dict(labels=torch.tensor(pred), scores=torch.arange(len(pred), dtype=torch.float),
                                    bboxes=torch.zeros(len(pred), 4)),
                gt_instances=dict(labels=torch.tensor(gt), bboxes=torch.zeros(len(gt), 4)))


def test_routing_and_label_mapping():
    metric = CrossDatasetMetric(source_metrics=dict(det=Recording(), faces=Recording()))
    metric.dataset_meta = META
    metric.process({}, [sample(1, 'det', [0, 3, 2], [1]), sample(2, 'faces', [3, 0, 1], [0, 3])])
    metric.process({}, [sample(3, 'det', [], [])])
    out = metric.evaluate(3)
    assert out['det/rec/n'] == 2 and out['faces/rec/n'] == 1
    # det: "face" (3) is not a det class: dropped with its score; faces: person (0) -> human (1), car dropped
    assert out['det/rec/results'] == [(1, [0, 2], [1], [0.0, 2.0]), (3, [], [], [])]
    assert out['faces/rec/results'] == [(2, [0, 1], [1, 0], [0.0, 1.0])]
    assert out['faces/rec/classes'] == ('face', 'human')
    assert metric.results == []


def test_padding_is_dropped_and_sources_without_metric_skipped():
    metric = CrossDatasetMetric(source_metrics=dict(faces=Recording()))
    metric.dataset_meta = META
    metric.process({}, [sample(1, 'faces', [3], [3]), sample(2, 'det', [0], [0]), sample(1, 'faces', [3], [3])])
    out = metric.evaluate(2)  # the third sample is the distributed sampler's padding
    assert out == {'faces/rec/n': 1, 'faces/rec/results': [(1, [0], [0], [0.0])],
                   'faces/rec/classes': ('face', 'human')}


def test_bad_input():
    with pytest.raises(ValueError, match='non-empty dict'):
        CrossDatasetMetric(source_metrics={})
    metric = CrossDatasetMetric(source_metrics=dict(voc=Recording()))
    with pytest.raises(ValueError, match='missing'):
        metric.dataset_meta = dict(classes=('a',))
    with pytest.raises(ValueError, match="sources \\['voc'\\]"):
        metric.dataset_meta = META
    metric = CrossDatasetMetric(source_metrics=dict(det=Recording()))
    metric.dataset_meta = META
    with pytest.raises(KeyError, match='source'):
        metric.process({}, [dict(img_id=1, pred_instances=dict(labels=np.array([0])))])
