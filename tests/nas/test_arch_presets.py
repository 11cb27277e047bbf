"""Every architecture file shipped under configs/*/archs loads into its backbone and says where it comes from."""
import glob
import os.path as osp

import pytest
import torch

from mmx.nas import CRMobileNetV2, CRResNet, PCNASNet
from mmx.nas.arch import load_arch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
PRESETS = sorted(glob.glob(osp.join(ROOT, 'configs', '*', 'archs', '*.yaml')))
BUILD = {'cr_resnet': CRResNet, 'cr_mobilenet_v2': CRMobileNetV2, 'pcnas': PCNASNet}


@pytest.mark.parametrize('path', PRESETS, ids=osp.basename)
def test_preset_builds(path):
    spec = load_arch(path)
    assert spec['source'], 'a preset must say where it comes from'
    if 'from the paper' in spec['source']:
        pytest.fail('no preset is checked against the paper (README.md): do not label one as the paper\'s')
    small = 'digits' in osp.basename(path)  # the miniature searches' nets: 1 channel, 32x32
    kwargs = {}
    if small and spec['family'] == 'cr_resnet':
        kwargs = dict(in_channels=1, base_channels=8, out_indices=(3, ))
    elif small:
        kwargs = dict(in_channels=1, stem_channels=16, first_channels=16, last_channels=128, out_indices=(3, ))
    net = BUILD[spec['family']](arch=path, **kwargs)
    net.eval()
    size = 32 if small else 64
    outs = net(torch.rand(1, 1 if small else 3, size, size))
    assert all(torch.isfinite(o).all() for o in outs)
