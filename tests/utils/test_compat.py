"""Each compatibility fix: the upstream breakage it targets is real, and after the fix the code path works."""
import importlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import mmx  # noqa: F401  applies the fixes
from mmx.utils import compat


def run_python(code: str) -> subprocess.CompletedProcess:
    """Run code in a fresh interpreter, so that fixes applied in this process do not leak in."""
    return subprocess.run([sys.executable, '-c', textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300)


def test_mmaction_models_import_needs_drn_stub():
    broken = run_python('import mmaction.models')
    if broken.returncode == 0:
        pytest.skip('this mmaction2 ships its drn module: the fix is a no-op here')
    assert "mmaction.models.localizers.drn" in broken.stderr
    fixed = run_python("""
        import mmx  # applies stub_mmaction_drn
        import mmaction.models
        from mmaction.registry import MODELS
        assert MODELS.get('ResNetTSM') is not None and MODELS.get('TSNHead') is not None
        assert MODELS.get('DRN') is None  # the stand-in is not registered
    """)
    assert fixed.returncode == 0, fixed.stderr


def test_drn_stand_in_refuses_to_build():
    from mmaction.models.localizers.drn.drn import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()


def test_drn_stub_is_idempotent():
    assert compat.stub_mmaction_drn() is False


def test_importlib_metadata_alias(monkeypatch):
    monkeypatch.delitem(sys.modules, 'importlib_metadata', raising=False)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'importlib_metadata' else real_find_spec(name, *a))
    assert compat.alias_importlib_metadata() is True
    from importlib_metadata import PackageNotFoundError, distribution  # what mmaction2 imports
    assert distribution('torch').metadata['Name'] == 'torch'
    with pytest.raises(PackageNotFoundError):
        distribution('surely-not-an-installed-distribution')


def test_mmaction_dependency_module_imports():
    dependency = importlib.import_module('mmaction.utils.dependency')
    assert callable(dependency.satisfy_requirement)


def _lvis_eval_on_one_box(tmp_path):
    """A minimal LVIS evaluation: one image, one category, one perfect detection."""
    import json
    from lvis import LVIS, LVISEval, LVISResults
    gt = {
        'images': [{'id': 1, 'width': 100, 'height': 100, 'neg_category_ids': [],
                    'not_exhaustive_category_ids': []}],
        'annotations': [{'id': 1, 'image_id': 1, 'category_id': 1, 'bbox': [10, 10, 30, 30],
                         'area': 900, 'segmentation': [[10, 10, 40, 10, 40, 40, 10, 40]]}],
        'categories': [{'id': 1, 'name': 'a', 'frequency': 'r', 'image_count': 1,
                        'instance_count': 1, 'synset': 'a.n.01'}],
    }
    gt_file = tmp_path / 'gt.json'
    gt_file.write_text(json.dumps(gt))
    lvis_gt = LVIS(str(gt_file))
    dets = LVISResults(lvis_gt, [{'image_id': 1, 'category_id': 1, 'bbox': [10, 10, 30, 30],
                                  'score': 0.9}])
    ev = LVISEval(lvis_gt, dets, iou_type='bbox')
    ev.run()
    return ev.results


def test_lvis_eval_runs_on_numpy2(tmp_path):
    import lvis.eval
    assert not hasattr(np, 'float'), 'numpy still has np.float: nothing to fix'
    assert lvis.eval.np.float is float
    results = _lvis_eval_on_one_box(tmp_path)
    assert results['AP'] == pytest.approx(1.0)
    assert results['APr'] == pytest.approx(1.0)


def test_lvis_fix_is_narrow_and_needed():
    assert not hasattr(np, 'float')  # numpy itself is untouched
    out = run_python("""
        import lvis.eval, numpy
        try:
            numpy.cumsum([1]).astype(dtype=lvis.eval.np.float)
        except AttributeError as err:
            print('broken:', err)
    """)
    assert 'broken' in out.stdout
    assert compat.fix_lvis_numpy2() is False  # already applied: idempotent


def test_pytorch_launcher_on_cpu(monkeypatch):
    """mmengine's pytorch launcher selects a CUDA device unconditionally; on CPU mmx initialises gloo."""
    import torch
    from mmengine.dist import utils as dist_utils
    if torch.cuda.is_available():
        pytest.skip('CUDA is available: the fix is a no-op')
    assert getattr(dist_utils._init_dist_pytorch, '_mmx_cpu_fix', False)
    with pytest.raises(RuntimeError, match='gloo'):
        dist_utils._init_dist_pytorch('nccl')
    calls = []
    monkeypatch.setattr(torch.distributed, 'init_process_group', lambda **kw: calls.append(kw))
    dist_utils._init_dist_pytorch('gloo', timeout=None)
    assert calls == [dict(backend='gloo', timeout=None)]
    assert compat.allow_cpu_pytorch_launcher() is False  # idempotent


def test_run_config_for_cpu_ddp(tmp_path):
    import torch
    from mmx.utils.runner import load_run_config
    cfg_file = tmp_path / 'c.py'
    cfg_file.write_text("model = dict(type='X')\nenv_cfg = dict(dist_cfg=dict(backend='nccl'))\n")
    cfg = load_run_config(str(cfg_file), launcher='pytorch', cfg_options={'model.type': 'Y'})
    assert cfg.model.type == 'Y' and cfg.work_dir.endswith('c')
    if not torch.cuda.is_available():
        assert cfg.env_cfg.dist_cfg.backend == 'gloo'
        assert cfg.model_wrapper_cfg.device_ids is None
    cfg = load_run_config(str(cfg_file), launcher='none', work_dir=str(tmp_path / 'w'))
    assert cfg.env_cfg.dist_cfg.backend == 'nccl' and 'model_wrapper_cfg' not in cfg
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_run_config(str(tmp_path / 'missing.py'))
