"""tools/model_converters/fuse_mabn.py on a trained digits MABN classifier, and its bad-input messages."""
import importlib.util
import os.path as osp
import pickle

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope

import mmx  # noqa: F401
from mmx.cnn import MABN, fuse_mabn

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'mabn', 'small-convnet_mabn_1xb2-30e_digits.py')
BN_CONFIG = osp.join(ROOT, 'configs', 'cls', 'small-convnet_1xb32-30e_digits.py')
SHAPE = ['--shape', '4', '1', '8', '8']


def _tool():
    spec = importlib.util.spec_from_file_location(
        'fuse_mabn_tool', osp.join(ROOT, 'tools', 'model_converters', 'fuse_mabn.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _build(config=CONFIG):
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model)


@pytest.fixture(scope='module')
def trained_checkpoint(tmp_path_factory):
    """A digits MABN classifier after a few SGD steps past MABN's warm-ups, saved like mmengine does."""
    torch.manual_seed(0)
    model = _build()
    for m in model.modules():
        if isinstance(m, MABN):
            m.warmup_iters = m.renorm_warmup_iters = 0
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(20):
        opt.zero_grad()
        model(torch.rand(2, 1, 8, 8) * 4, mode='tensor').logsumexp(1).mean().backward()
        opt.step()
    path = str(tmp_path_factory.mktemp('fuse') / 'trained.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def test_fuses_and_the_result_loads_into_the_fused_structure(trained_checkpoint, tmp_path):
    out = str(tmp_path / 'fused.pth')
    result = _tool().main([CONFIG, trained_checkpoint, out] + SHAPE)
    assert result['folded'] == 3 and result['left'] == 0 and result['max_abs_diff'] <= 1e-5
    saved = torch.load(out, weights_only=True)
    assert saved['meta']['mabn_fused'] and not any('sma_' in k for k in saved['state_dict'])
    reference = _build()
    reference.load_state_dict(torch.load(trained_checkpoint, weights_only=True)['state_dict'])
    fused, _, _ = fuse_mabn(_build())
    fused.load_state_dict(saved['state_dict'])
    x = torch.rand(3, 1, 8, 8) * 4
    reference.eval(), fused.eval()
    with torch.no_grad():
        torch.testing.assert_close(fused(x, mode='tensor'), reference(x, mode='tensor'), rtol=1e-5, atol=1e-5)


def test_bad_inputs_are_named(trained_checkpoint, tmp_path):
    tool = _tool()
    out = str(tmp_path / 'out.pth')
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        tool.main([CONFIG, str(tmp_path / 'missing.pth'), out] + SHAPE)
    with pytest.raises(FileNotFoundError, match='nope.py'):
        tool.main([str(tmp_path / 'nope.py'), trained_checkpoint, out] + SHAPE)
    with pytest.raises(ValueError, match='no MABN layer'):
        tool.main([BN_CONFIG, trained_checkpoint, out] + SHAPE)
    corrupted = tmp_path / 'corrupted.pth'
    corrupted.write_bytes(b'not a checkpoint')
    with pytest.raises(pickle.UnpicklingError, match='corrupted.pth'):
        tool.main([CONFIG, str(corrupted), out] + SHAPE)
    assert not osp.exists(out)
