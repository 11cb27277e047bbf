"""tools/benchmarks/nas.py: its tasks' configs (plain and cluttered digits) and one stand-alone training."""
import os.path as osp
import runpy

import pytest
from mmengine.config import Config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
BENCH = runpy.run_path(osp.join(ROOT, 'tools', 'benchmarks', 'nas.py'), run_name='benchmark_nas')


def _side(dataset) -> int:
    return dataset.get('canvas') or 8 * dataset.get('scale_factor', 1)


@pytest.mark.parametrize('task', sorted(BENCH['TASKS']))
def test_task_configs(task):
    """Both searches of a task read the same images, 32x32 (the benchmark measures MACs and latency at
    that size), with the test split outside the search; the PC-NAS hook scores on the same archval."""
    cr, pc = (Config.fromfile(p) for p in BENCH['TASKS'][task])
    for cfg in (cr, pc):
        loaders = [cfg.train_dataloader, cfg.val_dataloader, cfg.search_dataloader]
        loaders += [hook.search_dataloader for hook in cfg.custom_hooks if 'search_dataloader' in hook]
        assert all(_side(loader.dataset) == 32 for loader in loaders)
        assert cfg.val_dataloader.dataset.split == 'test'
        clutter = {loader.dataset.get('clutter', 0) for loader in loaders}
        assert clutter == ({2} if task == 'cluttered-digits' else {0})
    assert pc.nas_input_shape == (1, 32, 32) and pc.custom_hooks[0].type == 'PCNASPoolHook'


def test_default_work_dirs_are_per_task_and_length():
    """The searches resume from their work dirs, so one task's run must never find another's."""
    dirs = {tuple(argv): BENCH['parse_args'](list(argv)).work_dir
            for argv in ([], ['--quick'], ['--task', 'cluttered-digits'], ['--quick', '--task', 'cluttered-digits'])}
    assert len(set(dirs.values())) == 4
    assert BENCH['parse_args'](['--work-dir', '/x']).work_dir == '/x'


@pytest.mark.slow
def test_train_standalone_runs(tmp_path):
    cr_config = BENCH['TASKS']['cluttered-digits'][0]
    backbone = dict(type='CRResNet', block='basic', in_channels=1, base_channels=8, out_indices=(3, ),
                    norm_eval=False, stage_blocks=(2, 2, 2, 2), block_dilations=[[1, 2]] * 4)
    acc = BENCH['train_standalone'](cr_config, backbone, 2, str(tmp_path))
    assert 0.0 <= acc <= 100.0
