"""End to end: `mim train mmx` + `mim test mmx` on the toy LVIS data, --resume, and 2-process DDP on CPU.

These run the installed package (as a user would), so `make test` installs mmx first.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
BIN = osp.dirname(sys.executable)


def _demo_config() -> str:
    """The main job's config (the Makefile's DEMO_CONFIG), so that the smoke test follows `make demo`."""
    with open(osp.join(ROOT, 'Makefile')) as f:
        for line in f:
            if line.startswith('DEMO_CONFIG'):
                return line.split('=', 1)[1].strip()
    raise AssertionError('Makefile has no DEMO_CONFIG')


TOY_CONFIG = _demo_config()
TOY_CONFIG_PATH = glob.glob(osp.join(ROOT, 'configs', '**', TOY_CONFIG), recursive=True)[0]
DIGITS_CONFIG = sorted(glob.glob(osp.join(ROOT, 'configs', 'cls', '*_digits.py')))[0]
# A few iterations: 8 training images, batch 4, one epoch; 8 validation images.
FEW_ITERS = ['train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=8',
             'val_dataloader.dataset.indices=8', 'test_dataloader.dataset.indices=8',
             'param_scheduler.0.end=2', 'default_hooks.logger.interval=1']


def run(cmd) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    env.pop('CUDA_VISIBLE_DEVICES', None)
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, f'{cmd} failed:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}'
    return out


@pytest.fixture(scope='module')
def toy_lvis():
    """The demo's toy data, generated on demand into data/toy_lvis (git-ignored) and reused."""
    from mmx.det.datasets import generate_toy_lvis
    return generate_toy_lvis(osp.join(ROOT, 'data', 'toy_lvis'))


def test_train_help_is_cheap_and_mim_compatible():
    out = run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), '-h'])
    assert '--local-rank' in out.stdout or '--local_rank' in out.stdout
    assert '--gpus' not in out.stdout  # mim would append --gpus N
    run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), 'x.py', '--local-rank=1', '-h'])


def test_train_rejects_bad_input(tmp_path):
    bad = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'train.py'), str(tmp_path / 'missing.py')],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and 'does not exist' in bad.stderr
    bad = subprocess.run([sys.executable, osp.join(ROOT, 'tools', 'test.py'), DIGITS_CONFIG,
                          str(tmp_path / 'missing.pth')], capture_output=True, text=True)
    assert bad.returncode != 0 and 'does not exist' in bad.stderr


@pytest.mark.slow
def test_mim_train_test_resume(toy_lvis, tmp_path):
    work_dir = str(tmp_path / 'work')
    run(['mim', 'train', 'mmx', TOY_CONFIG, '--work-dir', work_dir, '--cfg-options', *FEW_ITERS])
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    assert osp.isfile(ckpt)
    run(['mim', 'test', 'mmx', TOY_CONFIG, '--checkpoint', ckpt, '--work-dir', work_dir,
         '--cfg-options', *FEW_ITERS])
    metric_files = glob.glob(osp.join(work_dir, '*', '*.json'))
    metrics = {}
    for path in metric_files:
        with open(path) as f:
            content = json.load(f)
        if isinstance(content, dict) and 'lvis/bbox_AP' in content:
            metrics = content
    for key in ('lvis/bbox_AP', 'lvis/bbox_APr', 'lvis/bbox_APc', 'lvis/bbox_APf', 'lvis/segm_AP'):
        assert -1 <= metrics[key] <= 1  # -1: no category of that group among the 8 images
    assert metrics['lvis/bbox_AP'] >= 0
    summary = run([sys.executable, osp.join(ROOT, 'tools', 'analysis', 'lvis_summary.py'), work_dir])
    assert 'APr' in summary.stdout and osp.isfile(osp.join(work_dir, 'lvis_ap_by_frequency.png'))

    # resume one more epoch from the checkpoint (safe loading of an mmengine checkpoint on torch >= 2.6)
    out = run([sys.executable, osp.join(ROOT, 'tools', 'train.py'),
               TOY_CONFIG_PATH, '--work-dir', work_dir, '--resume', ckpt,
               '--cfg-options', *FEW_ITERS[1:], 'train_cfg.max_epochs=2'])
    log = out.stdout + out.stderr
    assert 'resumed epoch: 1, iter: 2' in log
    assert 'Epoch(train) [2]' in log and 'Epoch(train) [1]' not in log  # only the second epoch ran
    import mmx  # noqa: F401  safe loading
    from mmengine.runner.checkpoint import _load_checkpoint
    state = _load_checkpoint(osp.join(work_dir, 'epoch_2.pth'), map_location='cpu')
    assert state['meta']['epoch'] == 2 and state['meta']['iter'] == 4


@pytest.mark.slow
def test_ddp_two_processes_on_cpu(tmp_path):
    """tools/dist_train.sh with 2 CPU processes: gloo backend, both ranks step, rank 0 saves."""
    work_dir = str(tmp_path / 'ddp')
    env = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''),
               PORT=str(29500 + os.getpid() % 1000), OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', osp.join(ROOT, 'tools', 'dist_train.sh'), DIGITS_CONFIG, '2', '--work-dir', work_dir,
         '--cfg-options', 'train_cfg.max_epochs=1', 'train_dataloader.dataset.indices=64',
         'val_dataloader.dataset.indices=32'],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-5000:]
    assert "dist_cfg: {'backend': 'gloo'}" in log and 'GPU number: 2' in log  # mmengine's name for world size
    assert osp.isfile(osp.join(work_dir, 'epoch_1.pth'))
