"""configs/int8: every config switches its model to INT8 training as documented, builds, converts and trains a
step (real-size classifiers on a small input); the metafile lists them and is in the model index."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmx  # noqa: F401
from mmx.cnn.int8 import convert_to_int8

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(ROOT, 'configs', 'int8', '*.py')))
# the float layers each config keeps (the paper: first conv and last FC)
FLOAT_LAYERS = {
    'resnet50_int8-dsgc-dclr_8xb32-100e_imagenet.py': ['backbone.conv1', 'head.fc'],
    'mobilenet-v2_int8-dsgc-dclr_8xb32-300e_imagenet.py': ['backbone.conv1.conv', 'head.fc'],
    'small-convnet_int8-dsgc-dclr_1xb32-30e_digits.py': ['backbone.stages.0.0.conv', 'head.fc'],
    'faster-rcnn_r50_fpn_int8-dsgc-dclr_1x_coco.py': ['backbone.conv1', 'roi_head.bbox_head.fc_cls',
                                                      'roi_head.bbox_head.fc_reg'],
    'faster-rcnn_r18-tiny_fpn_int8-dsgc-dclr_3e_toy-lvis.py': ['backbone.conv1', 'roi_head.bbox_head.fc_cls',
                                                               'roi_head.bbox_head.fc_reg'],
}


def _load(name: str) -> Config:
    return Config.fromfile(osp.join(ROOT, 'configs', 'int8', name))


def test_every_config_is_covered():
    assert sorted(FLOAT_LAYERS) == CONFIGS


@pytest.mark.parametrize('name', CONFIGS)
def test_config_switches_to_int8(name):
    cfg = _load(name)
    assert cfg.runner_type == 'Int8Runner'
    assert cfg.optim_wrapper.type == 'DCLROptimWrapper'
    assert cfg.optim_wrapper.constructor == 'Int8OptimWrapperConstructor'
    assert (cfg.optim_wrapper.alpha, cfg.optim_wrapper.beta) == (20.0, 0.1)  # the paper's
    assert cfg.int8_training.grad_rounding == 'stochastic' and cfg.int8_training.dsgc
    assert cfg.int8_training.period == (20 if 'toy' in name or 'digits' in name else 100)
    from mmengine.registry import MODELS
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmengine')):
        model = MODELS.build(cfg.model)
    settings = dict(cfg.int8_training)
    settings.pop('period')
    floats = {n for n, m in model.named_modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))}
    layers = convert_to_int8(model, **settings)
    assert sorted(floats - set(layers)) == FLOAT_LAYERS[name]


# MobileNetV2 (depthwise convs quantised too); ResNet-50 converts the same layer types (test above), and its
# 25 M parameters would make the step the slowest test here.
@pytest.mark.parametrize('name', ['mobilenet-v2_int8-dsgc-dclr_8xb32-300e_imagenet.py'])
def test_imagenet_classifier_trains_a_step(name):
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS

    from mmx.cls import ClsSample
    cfg = _load(name)
    with DefaultScope.overwrite_default_scope('mmx'):
        model = MODELS.build(cfg.model)
    settings = dict(cfg.int8_training)
    settings.pop('period')
    layers = convert_to_int8(model, **settings)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    for layer in layers.values():
        layer.refresh_pending = True
    batch = dict(inputs=[torch.randint(0, 255, (3, 32, 32), dtype=torch.uint8) for _ in range(2)],
                 data_samples=[ClsSample(gt_label=torch.tensor([i])) for i in range(2)])
    model.train()
    losses = model.train_step(batch, wrapper)
    assert torch.isfinite(losses['loss'])
    assert all(int(layer.num_refreshes) == 1 for layer in layers.values())
    assert len(wrapper.lr_scales) == len(layers)


def test_metafile_lists_every_config_and_is_in_the_model_index():
    import yaml
    with open(osp.join(ROOT, 'configs', 'int8', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert sorted(osp.basename(m['Config']) for m in models) == CONFIGS
    assert all(m['Name'] + '.py' == osp.basename(m['Config']) for m in models)
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/int8/metafile.yml' in yaml.safe_load(f)['Import']
    readme = open(osp.join(ROOT, 'configs', 'int8', 'README.md')).read()
    assert all(name in readme for name in CONFIGS)
