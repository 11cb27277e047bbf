"""Weight transfer from a ResNet to a reallocated CRResNet; CRMobileNetV2."""
import importlib.util
import os.path as osp

import pytest
import torch
from mmdet.models.backbones import MobileNetV2, ResNet
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.nas import CRResNet, dump_arch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
spec = importlib.util.spec_from_file_location(
    'crnas_resnet_transfer', osp.join(ROOT, 'tools/model_converters/crnas_resnet_transfer.py'))
transfer = importlib.util.module_from_spec(spec)
spec.loader.exec_module(transfer)


@pytest.mark.parametrize('depth,block', [(18, 'basic'), (50, 'bottleneck')])
def test_deeper_stages_start_as_the_source_network(depth, block, tmp_path):
    torch.manual_seed(0)
    src = ResNet(depth=depth, base_channels=4, norm_eval=False)
    src.init_weights()
    for m in src.modules():  # non-trivial BN statistics and affine parameters
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.1, 0.1)
    base = list(src.stage_blocks)
    deeper = [n + 1 for n in base]
    src_path = str(tmp_path / 'resnet.pth')
    torch.save(dict(state_dict={'backbone.' + k: v for k, v in src.state_dict().items()}), src_path)
    arch_path = str(tmp_path / 'arch.yaml')
    dump_arch(dict(family='cr_resnet', block=block, stage_blocks=deeper), arch_path)
    dst = str(tmp_path / 'cr.pth')
    transfer.main([src_path, arch_path, dst])
    net = CRResNet(arch=arch_path, base_channels=4)
    net.load_state_dict(torch.load(dst, weights_only=True)['state_dict'])  # strict
    src.eval()
    net.eval()
    x = torch.rand(2, 3, 64, 64)
    for a, b in zip(src(x), net(x)):
        torch.testing.assert_close(a, b)  # every extra block is an identity at first
    # copied blocks equal the source's; an extra block copies the last one's conv weights
    torch.testing.assert_close(net.layer2[1].conv1.weight, src.layer2[1].conv1.weight)
    torch.testing.assert_close(net.layer2[base[1]].conv1.weight, src.layer2[base[1] - 1].conv1.weight)


def test_transfer_rejects_bad_input(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        transfer.load_resnet_state(str(tmp_path / 'none.pth'))
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(ValueError, match='cannot read'):
        transfer.load_resnet_state(str(bad))
    with pytest.raises(ValueError, match='not a ResNet'):
        transfer.transfer_resnet_weights({'fc.weight': torch.zeros(1)}, [1, 1, 1, 1])
    src = ResNet(depth=18, base_channels=4).state_dict()
    with pytest.raises(ValueError, match='BasicBlocks'):
        transfer.transfer_resnet_weights(src, [1, 1, 1, 1], 'bottleneck')
    # fewer blocks: the kept ones are copied, the rest dropped
    out = transfer.transfer_resnet_weights(src, [1, 2, 1, 2], 'basic')
    CRResNet(stage_blocks=[1, 2, 1, 2], block='basic', base_channels=4).load_state_dict(out)


def test_cr_mobilenet_v2_blocks_dilations_and_parameters():
    default = MobileNetV2(widen_factor=0.25, out_indices=(2, 7))
    same = MMDET_MODELS.build(dict(type='CRMobileNetV2', widen_factor=0.25, out_indices=(2, 7)))
    assert ({k: v.shape for k, v in default.state_dict().items()}
            == {k: v.shape for k, v in same.state_dict().items()})
    blocks = [1, 1, 2, 5, 3, 4, 1]
    dils = [[1], [1], [1, 2], [1, 2, 3, 1, 2], [3, 1, 2], [1, 1, 2, 3], [2]]
    net = MMDET_MODELS.build(dict(type='CRMobileNetV2', stage_blocks=blocks, block_dilations=dils,
                                  widen_factor=0.25, out_indices=(2, 7)))
    assert [len(getattr(net, f'layer{i + 1}')) for i in range(7)] == blocks
    assert net.layer4[2].depthwise_conv.conv.dilation == (3, 3)
    outs = net(torch.rand(1, 3, 64, 64))
    assert [o.shape for o in outs] == [o.shape for o in default(torch.rand(1, 3, 64, 64))]
    undilated = MMDET_MODELS.build(dict(type='CRMobileNetV2', stage_blocks=blocks, widen_factor=0.25))
    assert sum(p.numel() for p in undilated.parameters()) == sum(p.numel() for p in net.parameters())
    with pytest.raises(ValueError, match='7 positive'):
        MMDET_MODELS.build(dict(type='CRMobileNetV2', stage_blocks=[1, 2]))
    with pytest.raises(ValueError, match='per block'):
        MMDET_MODELS.build(dict(type='CRMobileNetV2', stage_blocks=blocks, block_dilations=[[1]] * 7))
