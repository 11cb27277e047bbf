"""configs/mabn: each model has MABN (and CenConv2d) where the paper puts them, and the toy twins train."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner import Runner

import mmx  # noqa: F401
from mmx.cnn import MABN, CenConv2d

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {osp.basename(p): p for p in sorted(glob.glob(osp.join(ROOT, 'configs', 'mabn', '*.py')))}
DETECTORS = ['mask-rcnn_r50-scratch_fpn_mabn-all_2x_coco.py', 'mask-rcnn_r50_fpn_mabn-all_2x_coco.py',
             'mask-rcnn_r18-tiny-scratch_fpn_mabn-all_3e_toy-lvis.py']
RECOGNIZERS = ['tsm_imagenet-pretrained-r50-mabn_8xb2-1x1x8-50e_kinetics400-rgb.py',
               'tsm_r18-mabn_1x1x8_12e_toy-video.py']


def _build(name):
    cfg = Config.fromfile(CONFIGS[name])
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmengine')):
        return cfg, MODELS.build(cfg.model)


def _count(module, cls):
    return sum(isinstance(m, cls) for m in module.modules())


def test_every_config_is_covered():
    assert sorted(CONFIGS) == sorted(DETECTORS + RECOGNIZERS + ['small-convnet_mabn_1xb2-30e_digits.py'])


# The fine-tuning config differs from the from-scratch one by its backbone init only (built by
# tests/test_configs.py); the R50 models are slow to build on a CPU, so one stands for both.
@pytest.mark.parametrize('name', [DETECTORS[0], DETECTORS[2]])
def test_detectors_normalise_with_mabn_everywhere(name):
    cfg, model = _build(name)
    assert _count(model, torch.nn.modules.batchnorm._BatchNorm) == _count(model, MABN)  # no BN left
    assert not model.backbone.norm_eval and model.backbone.frozen_stages == -1
    # the paper's places: backbone, FPN, 4conv1fc box head, mask head, each conv in front being centred
    for part in (model.backbone, model.neck, model.roi_head.bbox_head, model.roi_head.mask_head):
        assert _count(part, MABN) > 0 and _count(part, CenConv2d) >= _count(part, MABN), type(part).__name__
    assert _count(model.roi_head.bbox_head, MABN) == 4
    assert cfg.train_dataloader.batch_size == 2
    norm = cfg.model.backbone.norm_cfg
    assert norm.buffer_size == 16 and norm.momentum == 0.02 and norm.warmup_iters == 100


def test_fine_tuning_differs_by_the_backbone_init_only():
    scratch, fine_tune = (Config.fromfile(CONFIGS[name]) for name in DETECTORS[:2])
    assert scratch.model.backbone.init_cfg is None
    assert fine_tune.model.backbone.init_cfg.type == 'Pretrained'
    fine_tune.model.backbone.init_cfg = None
    assert fine_tune.model.to_dict() == scratch.model.to_dict()


@pytest.mark.parametrize('name', RECOGNIZERS)
def test_tsm_normalises_with_mabn_and_keeps_plain_convs(name):
    cfg, model = _build(name)
    assert _count(model.backbone, MABN) > 0 and _count(model.backbone, torch.nn.BatchNorm2d) == 0
    assert _count(model, CenConv2d) == 0  # ImageNet filters in the real config must not be re-centred
    assert cfg.train_dataloader.batch_size == 2 and not cfg.model.backbone.norm_eval


def _few_iterations(cfg, work_dir, num_train):
    cfg.work_dir = work_dir
    cfg.train_dataloader.dataset.indices = num_train
    cfg.train_cfg.max_epochs = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None  # the loop validates after the last epoch
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=1)
    cfg.default_hooks.logger.interval = 1
    cfg.param_scheduler = [dict(type='ConstantLR', factor=1.0, by_epoch=False, begin=0, end=1)]
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert torch.isfinite(torch.tensor(loss))
    steps = {m.step for m in runner.model.modules() if isinstance(m, MABN)}
    return runner, steps


@pytest.mark.slow
def test_toy_lvis_twin_trains(tmp_path):
    from mmx.det.datasets import generate_toy_lvis
    generate_toy_lvis(osp.join(ROOT, 'data', 'toy_lvis'))  # the demo's data, reused when present
    cfg = Config.fromfile(CONFIGS['mask-rcnn_r18-tiny-scratch_fpn_mabn-all_3e_toy-lvis.py'])
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = osp.join(ROOT, 'data', 'toy_lvis') + '/'
    cfg.val_evaluator.ann_file = osp.join(ROOT, 'data', 'toy_lvis', 'annotations', 'lvis_v1_val.json')
    runner, steps = _few_iterations(cfg, str(tmp_path), num_train=6)
    assert steps == {3}  # 6 images, 2 a step: every MABN counted 3 steps, shared or not
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))


@pytest.mark.slow
def test_toy_video_twin_trains(tmp_path):
    from mmx.action.datasets import generate_toy_video
    toy = generate_toy_video(str(tmp_path / 'toy_video'), num_train=6, num_val=2, formats=('rawframes', ))
    cfg = Config.fromfile(CONFIGS['tsm_r18-mabn_1x1x8_12e_toy-video.py'])
    for split, key in (('train', 'train_dataloader'), ('val', 'val_dataloader'), ('val', 'test_dataloader')):
        cfg[key].dataset.ann_file = toy[f'{split}_rawframes']
        cfg[key].dataset.data_prefix = dict(img=toy['rawframes_dir'])
    runner, steps = _few_iterations(cfg, str(tmp_path / 'work'), num_train=6)
    assert steps == {3}


def test_metafile_lists_every_config_and_is_in_the_model_index():
    import yaml
    with open(osp.join(ROOT, 'configs', 'mabn', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert sorted(osp.basename(m['Config']) for m in models) == sorted(CONFIGS)
    assert all(m['Name'] + '.py' == osp.basename(m['Config']) for m in models)
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/mabn/metafile.yml' in yaml.safe_load(f)['Import']
