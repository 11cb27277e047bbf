"""CrossDatasetMetric: routing by source, labels mapped back to each source's own, keys side by side."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric

from mmx.det.evaluation import CrossDatasetMetric
from mmx.testing import free_port, init_gloo


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


# five samples in dataset order; DefaultSampler gives rank r the indices r, r + 2, ... padded to 3 each
DDP_SAMPLES = [(1, 'det', [0, 3], [0]), (2, 'faces', [3], [3]), (3, 'det', [1], [1]), (4, 'faces', [0], []),
               (5, 'det', [2], [2])]


def _ddp_worker(rank: int, port: int, out_dir: str) -> None:
    import json
    import os

    import torch.distributed as dist
    init_gloo(rank, port)
    try:
        metric = CrossDatasetMetric(source_metrics=dict(det=Recording(), faces=Recording()))
        metric.dataset_meta = META
        indices = list(range(5)) + [0]  # padded to 6 as DefaultSampler does (its first indices repeated)
        for i in indices[rank::2]:  # one sample per step
            metric.process({}, [sample(*DDP_SAMPLES[i])])
        out = metric.evaluate(5)
        with open(f'{out_dir}/rank{rank}.json', 'w') as f:
            json.dump(out, f)
    finally:
        dist.destroy_process_group()
    os._exit(0)  # as tests/det/test_eqlv2.py: skip an interpreter shutdown that may hang with mmdet imported


def test_ddp_matches_one_process(tmp_path):
    import json
    import time

    import torch.multiprocessing as mp
    context = mp.spawn(_ddp_worker, args=(free_port(), str(tmp_path)), nprocs=2, join=False)
    deadline = time.monotonic() + 120
    try:
        while not context.join(timeout=1):
            assert time.monotonic() < deadline, 'the DDP workers did not finish within 120 s'
    finally:
        for process in context.processes:
            if process.is_alive():
                process.kill()
    single = CrossDatasetMetric(source_metrics=dict(det=Recording(), faces=Recording()))
    single.dataset_meta = META
    for s in DDP_SAMPLES:
        single.process({}, [sample(*s)])
    expected = json.loads(json.dumps(single.evaluate(5)))
    for rank in range(2):
        with open(tmp_path / f'rank{rank}.json') as f:
            assert json.load(f) == expected
    assert expected['det/rec/n'] == 3 and expected['faces/rec/n'] == 2
