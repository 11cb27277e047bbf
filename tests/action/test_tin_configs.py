"""The configs of configs/tin (the X-Temporal suite: TSN, TSM, TRN, SlowFast, TIN on Kinetics-400,
Something-Something V1/V2, Multi-Moments in Time, each with a toy twin): their models and data are the ones
their names say; every TIN config uses mmx's backbone with the paper's shift_div; the MMiT configs are
multi-label end to end; the toy configs train, validate, save and resume on the toy clips."""
import glob
import os.path as osp
import re

import numpy as np
import pytest
import torch
from action_helpers import use_toy_data
from mmaction.registry import METRICS
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner
from sklearn.metrics import average_precision_score

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG_DIR = osp.join(ROOT, 'configs', 'tin')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
TOY = [c for c in CONFIGS if '_toy-video' in c]
REAL = [c for c in CONFIGS if c not in TOY]
MODELS = ('tsn', 'tsm', 'trn', 'slowfast', 'tin')
DATASETS = {'kinetics400': 400, 'sthv1': 174, 'sthv2': 174, 'mmit': 313}
BACKBONES = {'tsn': 'ResNet', 'trn': 'ResNet', 'tsm': 'ResNetTSM', 'tin': 'ResNetTemporalInterlace',
             'slowfast': 'ResNet3dSlowFast'}
HEADS = {'tsn': 'TSNHead', 'trn': 'TRNHead', 'tsm': 'TSMHead', 'tin': 'TSMHead', 'slowfast': 'SlowFastHead'}


def model_of(path):
    return osp.basename(path).split('_')[0]


def test_the_suite_is_complete():
    """Every model on every dataset, and each model's two toy twins (single- and multi-label)."""
    for model in MODELS:
        for dataset in DATASETS:
            assert [c for c in REAL if model_of(c) == model and c.endswith(f'_{dataset}-rgb.py')], (model, dataset)
        assert len([c for c in TOY if model_of(c) == model]) == 2, model


@pytest.mark.parametrize('path', REAL, ids=osp.basename)
def test_real_config_model_and_data(path):
    cfg = Config.fromfile(path)
    model, name = model_of(path), osp.basename(path)
    dataset = re.search(r'_(kinetics400|sthv1|sthv2|mmit)-rgb\.py$', name).group(1)
    assert cfg.model.backbone.type == BACKBONES[model]
    assert cfg.model.cls_head.type == HEADS[model]
    assert cfg.model.cls_head.num_classes == DATASETS[dataset]
    assert dataset in cfg.train_dataloader.dataset.ann_file and dataset in cfg.val_dataloader.dataset.ann_file
    if model == 'tin':
        assert cfg.model.backbone.shift_div == 4  # the paper's; mmaction2's ResNetTIN would default to 8
    if model == 'tsm':
        assert cfg.model.backbone.shift_div == 8 and cfg.model.cls_head.is_shift
    # the toy twin named in the header exists
    twin = re.search(r'Toy twin: (\S+\.py)', open(path).read()).group(1)
    assert osp.isfile(osp.join(CONFIG_DIR, twin)), twin


@pytest.mark.parametrize('path', [c for c in REAL if c.endswith('_mmit-rgb.py')] +
                         [c for c in TOY if c.endswith('-multilabel.py')], ids=osp.basename)
def test_multilabel_configs_are_multilabel_end_to_end(path):
    cfg = Config.fromfile(path)
    head = cfg.model.cls_head
    assert head.loss_cls.type == 'BCELossWithLogits'
    assert head.average_clips == 'score'  # 'prob' is a softmax; None breaks mmaction2 1.x's mAP
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[key].dataset.multi_class and cfg[key].dataset.num_classes == head.num_classes
    assert set(cfg.val_evaluator.metric_list) == {'mmit_mean_average_precision', 'mean_average_precision'}


@pytest.mark.parametrize('path', TOY, ids=osp.basename)
def test_toy_configs_never_flip_or_download(path):
    """A horizontal flip would turn a clip moving left into one moving right."""
    cfg = Config.fromfile(path)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert 'Flip' not in [t['type'] for t in cfg[key].dataset.pipeline]
    backbone = cfg.model.backbone
    pathways = [backbone.slow_pathway, backbone.fast_pathway] if 'slow_pathway' in backbone else [backbone]
    assert all(p.get('pretrained') is None for p in pathways + [backbone])
    assert not backbone.get('pretrained2d', False)


@pytest.mark.filterwarnings('ignore:invalid value encountered in divide:RuntimeWarning')  # the empty class
def test_mmaction_map_metrics_work_with_numpy2_and_match_sklearn():
    """AccMetric's two multi-label mAPs on scores with ties and a class without positives, against sklearn."""
    rng = np.random.default_rng(0)
    labels = (rng.random((20, 6)) < 0.3).astype(np.float32)
    labels[:, 5] = 0  # no positive: per-class AP undefined, skipped
    labels[labels.sum(1) == 0, 0] = 1  # every clip has a label (as in MMiT)
    scores = rng.normal(size=(20, 6)).round(1).astype(np.float32)  # .round: ties
    metric = METRICS.build(dict(type='AccMetric', metric_list=('mmit_mean_average_precision',
                                                               'mean_average_precision')))
    metric.process(None, [dict(pred_score=torch.from_numpy(s), gt_label=torch.from_numpy(y))
                          for s, y in zip(scores, labels)])
    result = metric.compute_metrics(metric.results)
    per_clip = np.mean([average_precision_score(y, s) for s, y in zip(scores, labels)])
    per_class = np.mean([average_precision_score(labels[:, c], scores[:, c]) for c in range(5)])
    assert result['mmit_mean_average_precision'] == pytest.approx(per_clip, abs=1e-6)
    assert result['mean_average_precision'] == pytest.approx(per_class, abs=1e-6)


def short_run(path, toy, work_dir, iters=2):
    cfg = use_toy_data(Config.fromfile(path), toy)
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters)
    cfg.param_scheduler = []
    cfg.train_dataloader.batch_size = 2
    cfg.val_dataloader.batch_size = 3
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    cfg.default_hooks.logger.interval = 1
    cfg.log_processor = dict(window_size=1, by_epoch=False)
    return cfg


@pytest.mark.slow
@pytest.mark.parametrize('model', MODELS)
def test_toy_config_trains_and_validates(model, toy_videos, tmp_path):
    single = [c for c in TOY if model_of(c) == model and c.endswith('_toy-video.py')][0]
    with DefaultScope.overwrite_default_scope('mmaction'):
        runner = Runner.from_cfg(short_run(single, toy_videos['motion'], tmp_path / 'single'))
        runner.train()
        metrics = runner.val_loop.run()
    assert 0 <= metrics['acc/top1'] <= 1
    multi = single.replace('_toy-video.py', '_toy-video-multilabel.py')
    with DefaultScope.overwrite_default_scope('mmaction'):
        runner = Runner.from_cfg(short_run(multi, toy_videos['motion-multilabel'], tmp_path / 'multi', iters=1))
        runner.train()
        metrics = runner.val_loop.run()
    assert 0 < metrics['acc/mmit_mean_average_precision'] <= 1
    assert 0 < metrics['acc/mean_average_precision'] <= 1


@pytest.mark.slow
def test_tin_toy_run_resumes(toy_videos, tmp_path):
    path = osp.join(CONFIG_DIR, 'tin_r18_1x1x8_12e_toy-video.py')
    with DefaultScope.overwrite_default_scope('mmaction'):
        first = Runner.from_cfg(short_run(path, toy_videos['motion'], tmp_path, iters=2))
        first.train()
    saved = first.model.state_dict()
    cfg = short_run(path, toy_videos['motion'], tmp_path, iters=3)
    cfg.resume, cfg.load_from = True, str(tmp_path / 'iter_2.pth')
    with DefaultScope.overwrite_default_scope('mmaction'):
        second = Runner.from_cfg(cfg)
        second.load_or_resume()
    assert second.iter == 2
    for key, value in second.model.state_dict().items():
        assert torch.equal(value, saved[key]), key
    assert any('net1.offset_net' in key for key in saved)


@pytest.mark.parametrize('name', ['tin_r18_1x1x8_12e_toy-video.py', 'tin_r18_1x1x8_12e_toy-video-multilabel.py'])
def test_toy_tin_interlace_nets_get_ten_times_the_lr(name):
    from mmaction.registry import MODELS as MMACTION_MODELS
    from mmengine.optim import build_optim_wrapper

    cfg = Config.fromfile(osp.join(CONFIG_DIR, name))
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MMACTION_MODELS.build(cfg.model)
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    base = cfg.optim_wrapper.optimizer.lr
    lr_of = {id(p): group['lr'] for group in wrapper.optimizer.param_groups for p in group['params']}
    for param_name, param in model.named_parameters():
        expected = 10 * base if '.net1.' in param_name else base
        assert lr_of[id(param)] == pytest.approx(expected), param_name
    assert sum('.net1.' in n for n, _ in model.named_parameters()) == 8 * 8  # 8 blocks x 8 tensors
