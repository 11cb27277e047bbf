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


def _readme_cfg_options():
    """(config, key) of every ``--cfg-options key=value`` on a command of a configs/*/README.md."""
    import re
    found = []
    for readme in sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'README.md'))):
        with open(readme) as f:
            text = re.sub(r'\\\n\s*', ' ', f.read())  # join continued shell lines
        for line in text.splitlines():
            match = re.search(r'(configs/\S+\.py|\S+\.py)\b.*?--cfg-options\s+(.*)', line)
            if not match:
                continue
            for token in match.group(2).split():
                token = token.strip('"\'`')
                if '=' not in token or token.startswith('-'):
                    break
                found.append((osp.relpath(readme, ROOT), token.split('=', 1)[0]))
    return found


def test_readme_cfg_options_reach_the_runner():
    """A documented ``--cfg-options`` must change what runs. A top-level config variable used only to
    fill other fields while the file is parsed (``arch_file = ...; model = dict(backbone=dict(arch=arch_file))``)
    is not one: overriding it afterwards changes nothing, silently. So a key without a dot must be one the
    Runner reads."""
    import inspect

    from mmengine.runner import Runner
    runner_keys = set(inspect.signature(Runner.__init__).parameters) | {'launcher'}
    options = _readme_cfg_options()
    assert any(key.startswith('model.backbone.arch') for _, key in options)
    bad = [(readme, key) for readme, key in options if '.' not in key and key not in runner_keys]
    assert not bad, f'top-level --cfg-options keys the Runner never reads: {bad}'
