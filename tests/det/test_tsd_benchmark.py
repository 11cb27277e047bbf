"""tools/benchmarks/tsd.py, piece by piece (a whole run trains four detectors: see configs/tsd/README.md for
the command): the per-model config, the step-time ratio, the AP of detections and their round trip through the
ensemble format, and the NMS timing rows."""
import os.path as osp
import runpy

import pytest
import torch
from det_helpers import ROOT

BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'tsd.py'), run_name='benchmark_tsd')


@pytest.mark.parametrize('config', [BENCH['SHARED2FC'], BENCH['TSD']])
def test_benchmark_cfg(config, tmp_path):
    cfg = BENCH['benchmark_cfg'](config, 'x', 3, 2, 40, str(tmp_path), '/data/toy', 10)
    assert cfg.randomness == dict(seed=3) and cfg.train_cfg.max_epochs == 2
    assert cfg.train_cfg.val_interval > 2  # the benchmark evaluates, with each NMS
    assert cfg.param_scheduler[1].milestones == [1]
    assert cfg.train_dataloader.dataset.indices == 40 and cfg.test_dataloader.dataset.indices == 10
    assert cfg.test_evaluator.ann_file == '/data/toy/annotations/lvis_v1_val.json'
    assert (cfg.model.roi_head.type == 'TSDRoIHead') == (config == BENCH['TSD'])


def test_step_ratio_takes_turns():
    calls = []

    class Model:
        def __init__(self, name, cost):
            self.name, self.cost = name, cost

        def train(self):
            pass

        def train_step(self, batch, optim_wrapper):
            calls.append(self.name)
            sum(range(self.cost))

    class Runner:
        def __init__(self, name, cost):
            from mmengine.config import ConfigDict
            self.model, self.optim_wrapper, self.cfg = Model(name, cost), None, ConfigDict(train_dataloader=None)

        def build_dataloader(self, cfg):
            return iter(range(100))

    ratio = BENCH['interleaved_step_ratio'](Runner('a', 400000), Runner('b', 100000), num_batches=2, rounds=3)
    assert ratio > 1.5
    assert calls[:4] == ['a', 'b', 'a', 'b'] and calls[4:6] == ['b', 'a']  # the order rotates each round


def test_ap_and_ensemble_round_trip(toy_lvis_data, tmp_path):
    import json
    with open(osp.join(toy_lvis_data, 'annotations', 'lvis_v1_val.json')) as f:
        ann = json.load(f)
    cat_ids = sorted(c['id'] for c in ann['categories'])
    samples = []
    for img in ann['images']:
        gts = [a for a in ann['annotations'] if a['image_id'] == img['id']]
        boxes = torch.tensor([[a['bbox'][0], a['bbox'][1], a['bbox'][0] + a['bbox'][2], a['bbox'][1] + a['bbox'][3]]
                              for a in gts]).reshape(-1, 4)
        samples.append(dict(img_id=img['id'], ori_shape=(img['height'], img['width']), pred_instances=dict(
            bboxes=boxes, scores=torch.ones(len(gts)), labels=torch.tensor([cat_ids.index(a['category_id'])
                                                                            for a in gts], dtype=torch.long))))
    cfg = BENCH['benchmark_cfg'](BENCH['SHARED2FC'], 'x', 0, 1, None, str(tmp_path), toy_lvis_data)

    class Runner:
        pass
    runner = Runner()
    runner.cfg = cfg
    assert BENCH['box_ap'](samples, runner) == pytest.approx(100.0)  # the ground truth itself
    again = BENCH['to_samples'](BENCH['to_detections'](samples), samples)
    assert torch.equal(again[0]['pred_instances']['bboxes'], samples[0]['pred_instances']['bboxes'])


def test_nms_speed_rows(monkeypatch):
    monkeypatch.setitem(BENCH['nms_speed'].__globals__, 'NMS_CASES', ((300, 1), (300, 5)))
    rows = BENCH['nms_speed'](repeats=1)
    assert [(r['boxes'], r['classes']) for r in rows] == [(300, 1), (300, 5)]
    assert all(r['same_output'] for r in rows)
    assert all(r['soft_ratio'] > 0 and r['adj_ratio'] > 0 for r in rows)
