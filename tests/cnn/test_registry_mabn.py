"""MABN and CenConv2d are found by bare name from every scope, through mmcv's builders and model configs."""
import subprocess
import sys

import pytest
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.registry import MODELS as ROOT_MODELS
from mmengine.registry import DefaultScope

import mmx  # noqa: F401
from mmx.cnn import MABN, CenConv2d

SCOPES = ['mmengine', 'mmdet', 'mmaction', 'mmx']


def _registry(scope):
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    elif scope == 'mmaction':
        from mmaction.registry import MODELS
    elif scope == 'mmx':
        from mmx.registry import MODELS
    else:
        MODELS = ROOT_MODELS
    return MODELS


@pytest.mark.parametrize('scope', SCOPES)
def test_mmcv_builders_find_the_layers(scope):
    with DefaultScope.overwrite_default_scope(scope):
        name, norm = build_norm_layer(dict(type='MABN', buffer_size=4, requires_grad=False), 8, postfix=1)
        conv = build_conv_layer(dict(type='CenConv2d'), 3, 8, 3, padding=1, bias=False)
        built = _registry(scope).build(dict(type='MABN', num_features=8))
    assert name == 'bn1' and isinstance(norm, MABN) and norm.buffer_size == 4 and norm.eps == 1e-5
    assert not norm.weight.requires_grad
    assert isinstance(conv, CenConv2d) and conv.bias is None
    assert isinstance(built, MABN)


def test_names_live_in_the_root_only():
    assert ROOT_MODELS.get('MABN') is MABN and ROOT_MODELS.get('CenConv2d') is CenConv2d
    from mmdet.registry import MODELS as DET_MODELS
    assert 'MABN' not in DET_MODELS.module_dict and 'MABN' not in _registry('mmx').module_dict


def test_mmdet_resnet_and_heads_from_configs():
    """An mmdet backbone, neck and RoI heads built with norm_cfg/conv_cfg naming the mmx layers."""
    from mmdet.registry import MODELS as DET_MODELS
    cfg = dict(norm_cfg=dict(type='MABN'), conv_cfg=dict(type='CenConv2d'))
    with DefaultScope.overwrite_default_scope('mmdet'):
        backbone = DET_MODELS.build(dict(type='ResNet', depth=18, norm_eval=False, init_cfg=None, **cfg))
        head = DET_MODELS.build(dict(type='Shared4Conv1FCBBoxHead', in_channels=8, conv_out_channels=8,
                                     fc_out_channels=16, num_classes=3, **cfg))
    assert isinstance(backbone.bn1, MABN) and isinstance(backbone.conv1, CenConv2d)
    assert isinstance(backbone.layer2[0].downsample[1], MABN)
    assert sum(isinstance(m, MABN) for m in head.modules()) == 4


def test_a_fresh_interpreter_finds_them_through_custom_imports(tmp_path):
    """Only the config's custom_imports imports mmx; mmaction2's and mmdet's registries then build."""
    cfg = tmp_path / 'cfg.py'
    cfg.write_text("custom_imports = dict(imports=['mmx'], allow_failed_imports=False)\n"
                   "default_scope = 'mmaction'\n"
                   "backbone = dict(type='ResNetTSM', depth=18, pretrained=None, num_segments=2,\n"
                   "                norm_cfg=dict(type='MABN'), conv_cfg=dict(type='CenConv2d'))\n")
    code = (f"from mmengine.config import Config\ncfg = Config.fromfile({str(cfg)!r})\n"
            "from mmengine.registry import DefaultScope\nfrom mmaction.registry import MODELS\n"
            "with DefaultScope.overwrite_default_scope(cfg.default_scope):\n"
            "    m = MODELS.build(cfg.backbone)\n"
            "print(type(m.conv1.bn).__name__, type(m.conv1.conv).__name__)\n")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split()[-2:] == ['MABN', 'CenConv2d']


def test_mmaction_tsm_optimizer_constructor_accepts_the_layers():
    """TSMOptimWrapperConstructor groups parameters by layer type and rejects unknown atomic layers:
    MABN counts as a BN layer and CenConv2d as a conv."""
    from mmaction.registry import MODELS as ACTION_MODELS
    from mmengine.optim import build_optim_wrapper
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = ACTION_MODELS.build(dict(
            type='Recognizer2D',
            backbone=dict(type='ResNetTSM', depth=18, pretrained=None, num_segments=2,
                          norm_cfg=dict(type='MABN'), conv_cfg=dict(type='CenConv2d')),
            cls_head=dict(type='TSMHead', num_classes=3, in_channels=512, num_segments=2)))
        wrapper = build_optim_wrapper(model, dict(constructor='TSMOptimWrapperConstructor',
                                                  paramwise_cfg=dict(fc_lr5=True),
                                                  optimizer=dict(type='SGD', lr=0.01)))
    grouped = sum(p.numel() for g in wrapper.optimizer.param_groups for p in g['params'])
    assert grouped == sum(p.numel() for p in model.parameters())
