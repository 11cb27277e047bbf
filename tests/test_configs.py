"""Every config in configs/ parses, has a unique base name, and builds its model."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmx  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
ALL_FILES = sorted(glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True))
CONFIGS = [f for f in ALL_FILES if '_base_' not in f.split(osp.sep)]


def test_there_are_configs():
    assert CONFIGS


def test_base_names_are_unique():
    """`mim train mmx NAME` looks configs up by base name across the whole package."""
    names = [osp.basename(f) for f in ALL_FILES]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, osp.join(ROOT, 'configs')))
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.get('custom_imports', {}).get('imports') == ['mmx'], 'configs must import mmx'
    scope = cfg.get('default_scope', 'mmengine')
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if key in cfg and cfg[key] is not None:
            assert cfg[key].dataset.get('type'), f'{key} has no dataset type'
