"""convert_to_int8 on plain PyTorch, mmx, mmdet and mmaction2 models: which layers, skipping, bad input."""
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmx  # noqa: F401
from mmx.cnn import CenConv2d
from mmx.cnn.int8 import Int8Conv2d, Int8Linear, convert_to_int8, quantized_layers

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _build(config: str):
    from mmengine.registry import MODELS
    cfg = Config.fromfile(osp.join(ROOT, config))
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmengine')):
        return MODELS.build(cfg.model), cfg


def _net():
    from mmcv.cnn.bricks import wrappers
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), wrappers.Conv2d(4, 4, 3, padding=1),
                         CenConv2d(4, 4, 1), nn.Conv2d(4, 4, 3, padding=1, padding_mode='reflect'),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), wrappers.Linear(4, 8), nn.Linear(8, 2))


def test_default_skips_first_conv_and_last_linear():
    net = _net()
    layers = convert_to_int8(net)
    assert sorted(layers) == ['1', '6']  # mmcv's empty-tensor wrappers are converted
    assert type(net[0]) is nn.Conv2d and type(net[7]) is nn.Linear  # the paper's float layers
    assert type(net[2]) is CenConv2d  # a conv with its own forward is left alone
    assert type(net[3]) is nn.Conv2d  # reflect padding: kept in floating point
    assert isinstance(net[1], Int8Conv2d) and isinstance(net[6], Int8Linear)
    assert isinstance(net[1], nn.Conv2d)  # still a Conv2d for init_cfg, norm_eval, fusing
    assert net(torch.randn(2, 3, 5, 5)).shape == (2, 2)
    assert quantized_layers(net) == layers


def test_layer_types_and_patterns():
    net = _net()
    layers = convert_to_int8(net, layer_types=('Linear', ), skip=('6', ), grad_rounding='nearest', dsgc=False,
                             num_candidates=8, min_ratio=0.1, backend='int8')
    assert list(layers) == ['7']
    layer = layers['7']
    assert (layer.grad_rounding, layer.dsgc, layer.num_candidates, layer.min_ratio, layer.backend) == (
        'nearest', False, 8, 0.1, 'int8')
    assert 'backend=int8' in repr(layer)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match='layer_types'):
        convert_to_int8(_net(), layer_types=('Conv3d', ))
    with pytest.raises(ValueError, match='match no module'):
        convert_to_int8(_net(), skip=('first_conv', 'backbone.*'))
    with pytest.raises(TypeError, match='string'):
        convert_to_int8(_net(), skip='first_conv')
    with pytest.raises(ValueError, match='backend'):
        convert_to_int8(_net(), backend='fp8')
    net = _net()
    convert_to_int8(net)
    with pytest.raises(ValueError, match='no .* layer'):
        convert_to_int8(net)  # nothing left to convert


def test_converts_an_mmdet_detector_that_still_trains():
    from mmdet.testing import demo_mm_inputs
    model, cfg = _build('configs/int8/faster-rcnn_r18-tiny_fpn_int8-dsgc-dclr_3e_toy-lvis.py')
    settings = dict(cfg.int8_training)
    settings.pop('period')
    layers = convert_to_int8(model, **settings)
    names = set(layers)
    assert 'backbone.conv1' not in names and 'roi_head.bbox_head.fc_cls' not in names
    assert {'backbone.layer1.0.conv1', 'neck.fpn_convs.0.conv', 'rpn_head.rpn_conv',
            'roi_head.bbox_head.shared_fcs.0'} <= names
    packed = demo_mm_inputs(batch_size=1, image_shapes=[(3, 64, 64)], num_items=[2], num_classes=24,
                            with_mask=False)
    with DefaultScope.overwrite_default_scope('mmdet'):
        data = model.data_preprocessor(packed, True)
        for layer in layers.values():
            layer.refresh_pending = True
        losses = model(**data, mode='loss')
    total = sum(v.sum() for k, v in losses.items() if 'loss' in k and isinstance(v, torch.Tensor))
    total = total + sum(sum(v) for k, v in losses.items() if 'loss' in k and isinstance(v, list))
    total.backward()
    # the RPN conv is shared by the FPN levels: several backward calls, one refresh
    assert len(layers['rpn_head.rpn_conv']._refresh_stats) == 5
    assert layers['backbone.layer1.0.conv1'].weight.grad is not None


def test_converts_an_mmaction_recognizer():
    model, _ = _build('configs/tin/tsn_r18_1x1x8_12e_toy-video.py')
    layers = convert_to_int8(model)
    assert 'backbone.conv1.conv' not in layers and 'cls_head.fc_cls' not in layers
    assert 'backbone.layer1.0.conv1.conv' in layers
    x = torch.randn(1, 2, 3, 32, 32)  # (N, clips x frames, C, H, W)
    with DefaultScope.overwrite_default_scope('mmaction'):
        scores = model(x, mode='tensor')
    scores.sum().backward()
    assert layers['backbone.layer1.0.conv1.conv'].weight.grad is not None
