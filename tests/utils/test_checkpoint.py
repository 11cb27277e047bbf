"""Checkpoint loading on torch >= 2.6: mmengine checkpoints load, arbitrary pickles are refused."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint, load_checkpoint

import mmx  # noqa: F401  registers the safe loaders
from mmx.utils import UnsafeCheckpointError, allow_checkpoint_globals
from mmx.utils import checkpoint as mmx_checkpoint

PWNED = []


class Payload:
    """An object whose unpickling runs code: what a malicious checkpoint would hold."""

    def __reduce__(self):
        return (PWNED.append, ('unpickled',))


class MyState:
    def __init__(self, value=0):
        self.value = value


def mmengine_like_checkpoint() -> dict:
    hub = MessageHub.get_instance('mmx_test_checkpoint')
    hub.update_scalar('train/loss', 0.5)
    hub.update_scalar('train/lr', np.float64(0.02))
    hub.update_info('iter', 10)
    model = torch.nn.Linear(3, 2)
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optim.step()
    return {
        'meta': {'epoch': 1, 'iter': 10, 'seed': 0, 'mmengine_version': '0.10.7',
                 'dataset_meta': {'classes': ('a', 'b'), 'palette': [(1, 2, 3)]},
                 'arr': np.arange(3, dtype=np.int64), 'flag': np.bool_(True), 'scalar': np.float32(1.5)},
        'state_dict': model.state_dict(),
        'message_hub': hub.state_dict(),
        'optimizer': optim.state_dict(),
        'param_schedulers': [{'base_lrs': [0.1], 'last_step': 3}],
    }


def test_torch_default_refuses_mmengine_checkpoints(tmp_path):
    """The upstream breakage: torch >= 2.6 alone cannot load an mmengine checkpoint."""
    path = tmp_path / 'ckpt.pth'
    torch.save(mmengine_like_checkpoint(), path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)


def test_mmengine_checkpoint_loads(tmp_path):
    path = tmp_path / 'ckpt.pth'
    saved = mmengine_like_checkpoint()
    torch.save(saved, path)
    loaded = _load_checkpoint(str(path), map_location='cpu')
    assert loaded['meta']['dataset_meta']['classes'] == ('a', 'b')
    np.testing.assert_array_equal(loaded['meta']['arr'], np.arange(3))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer) and buffer.current() == 0.5
    torch.testing.assert_close(loaded['state_dict']['weight'], saved['state_dict']['weight'])
    model = torch.nn.Linear(3, 2)
    load_checkpoint(model, str(path), map_location='cpu')
    torch.testing.assert_close(model.weight, saved['state_dict']['weight'])


def test_runner_checkpoint_loads(tmp_path):
    """A real checkpoint written by mmengine's Runner (message hub, numpy, optimizer, schedulers)."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Model(BaseModel):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.linear(inputs)
            return {'loss': out.pow(2).mean()} if mode == 'loss' else out

    data = [dict(inputs=torch.randn(2)) for _ in range(8)]
    runner = Runner(
        model=Model(), work_dir=str(tmp_path),
        train_dataloader=dict(dataset=data, sampler=dict(type='DefaultSampler', shuffle=False),
                              batch_size=4, collate_fn=dict(type='default_collate')),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1]),
        train_cfg=dict(by_epoch=True, max_epochs=1), default_hooks=dict(logger=None),
        experiment_name='mmx_ckpt_test')
    runner.train()
    ckpt = _load_checkpoint(str(tmp_path / 'epoch_1.pth'), map_location='cpu')
    assert ckpt['meta']['epoch'] == 1
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)


def test_arbitrary_pickle_is_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Payload()}, path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth') as info:
        _load_checkpoint(str(path), map_location='cpu')
    assert 'allow_checkpoint_globals' in str(info.value)
    assert PWNED == []  # the payload never ran


def test_allow_list_extension(tmp_path):
    path = tmp_path / 'mine.pth'
    torch.save({'state': MyState(3)}, path)
    with pytest.raises(UnsafeCheckpointError, match='MyState'):
        _load_checkpoint(str(path))
    allow_checkpoint_globals(MyState)
    try:
        assert _load_checkpoint(str(path))['state'].value == 3
    finally:
        mmx_checkpoint._extra_globals.remove(MyState)
    with pytest.raises(TypeError, match='classes or functions'):
        allow_checkpoint_globals(3)


def test_missing_and_corrupted_files(tmp_path):
    with pytest.raises(FileNotFoundError, match='can not be found'):
        _load_checkpoint(str(tmp_path / 'nope.pth'))
    bad = tmp_path / 'truncated.pth'
    torch.save(mmengine_like_checkpoint(), bad)
    bad.write_bytes(bad.read_bytes()[:100])
    with pytest.raises(Exception) as info:
        _load_checkpoint(str(bad))
    assert not isinstance(info.value, UnsafeCheckpointError)  # corruption is not reported as a threat


def test_url_loading_is_restricted(tmp_path, monkeypatch):
    """HTTP checkpoints (torch.hub's loader defaults to weights_only=False) go through the allow-list."""
    hub_dir = tmp_path / 'hub'
    (hub_dir / 'checkpoints').mkdir(parents=True)
    torch.save({'meta': Payload()}, hub_dir / 'checkpoints' / 'evil.pth')
    torch.save(mmengine_like_checkpoint(), hub_dir / 'checkpoints' / 'good.pth')
    monkeypatch.setenv('TORCH_HOME', str(tmp_path))
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(hub_dir))
    # cached files are used as they are, nothing is downloaded
    good = CheckpointLoader.load_checkpoint('https://example.invalid/good.pth', map_location='cpu')
    assert 'state_dict' in good
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint('https://example.invalid/evil.pth', map_location='cpu')
    assert PWNED == []


def test_loaders_are_registered():
    assert CheckpointLoader._get_checkpoint_loader('/some/file.pth') is mmx_checkpoint.load_from_local
    from mmengine.runner import checkpoint
    assert checkpoint.load_url is mmx_checkpoint.load_url
    assert os.environ.get('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD') is None  # no global switch
