"""configs/cls/small-convnet_1xb32-30e_digits.py: builds, and trains end to end on the real digits."""
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

CONFIG = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'cls', 'small-convnet_1xb32-30e_digits.py')


@pytest.mark.slow
def test_one_epoch_beats_chance_by_far(tmp_path):
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = str(tmp_path)
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=100)
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert set(metrics) == {'accuracy/top1', 'accuracy/top5'}
    # Chance is 10% top-1. One epoch (38 SGD steps) of the real config gets far above it.
    assert metrics['accuracy/top1'] > 80
    assert metrics['accuracy/top5'] >= metrics['accuracy/top1']
    assert osp.exists(osp.join(str(tmp_path), 'epoch_1.pth'))
