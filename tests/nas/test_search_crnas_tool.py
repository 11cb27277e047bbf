"""tools/nas/search_crnas.py end to end on the digits config, shortened; resume; the result loads."""
import importlib.util
import os.path as osp

import pytest
import torch

from mmx.nas import CRResNet, load_arch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/crnas/crnas-search_r18-basic-w8_digits.py')
SHORT = ['train_cfg.max_iters=3', 'nas.op_train_cfg.max_iters=2', 'nas.num_batches=1', 'nas.beam=1',
         'nas.dilation_choices=[1,2]', 'param_scheduler.0.end=3', 'train_dataloader.batch_size=8',
         'search_dataloader.batch_size=10']


def _tool():
    spec = importlib.util.spec_from_file_location('search_crnas', osp.join(ROOT, 'tools/nas/search_crnas.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_search_crnas_runs_resumes_and_writes_a_loadable_arch(tmp_path):
    tool = _tool()
    work = str(tmp_path / 'search')
    result = tool.main([CONFIG, '--work-dir', work, '--no-progress', '--cfg-options', *SHORT])
    arch = load_arch(osp.join(work, 'crnas_arch.yaml'))
    assert sum(arch['stage_blocks']) == 8 and arch['stage_blocks'] == result['stage_blocks']
    assert all(d in (1, 2) for ds in arch['dilations'] for d in ds)
    net = CRResNet(arch=osp.join(work, 'crnas_arch.yaml'), in_channels=1, base_channels=8, out_indices=(3, ))
    state = torch.load(osp.join(work, 'crnas_arch_weights.pth'), weights_only=True)
    net.load_state_dict(state)  # strict: the exported path is exactly the fixed net
    # a resumed run finds the trained supernets and every score in the state file: same result
    again = tool.main([CONFIG, '--work-dir', work, '--no-progress', '--resume', '--cfg-options', *SHORT])
    assert again == result


def test_search_crnas_rejects_a_config_without_a_supernet(tmp_path):
    tool = _tool()
    with pytest.raises(ValueError, match='CRResNetSupernet'):
        tool.load_search_config(osp.join(ROOT, 'configs/cls/small-convnet_1xb32-30e_digits.py'))
    with pytest.raises(ValueError, match='unknown nas'):
        tool.load_search_config(CONFIG, {'nas.beam_width': 3})
