"""The configs of configs/eql: each builds, without its annotation file, the detector and loss its name names,
with the classifier size and initialisation of that loss; the LVIS ones keep mmdet's LVIS settings with and
without repeat-factor sampling (RFS); each toy config (Faster, Mask, Cascade Mask R-CNN x CE, EQL, EQLv2)
trains for two iterations, then scores a few validation images with its loss's activation (not softmax,
for the sigmoid losses) and evaluates them with LVISMetric."""
import glob
import math
import os.path as osp
import re

import pytest
import torch
from det_helpers import ROOT, recording, reference_scores, scores_among, short_run_cfg
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

CONFIG_DIR = osp.join(ROOT, 'configs', 'eql')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))
LOSS_TYPES = {'ce': 'CrossEntropyLoss', 'eql': 'EqualizationLoss', 'eqlv2': 'EqualizationLossV2'}
# LVIS's category counts and training files, and the papers' λ (official code values), per version
LVIS = {
    'v1': dict(num_classes=1203, train='annotations/lvis_v1_train.json', epochs=12, eql_lambda=0.0011),
    'v0.5': dict(num_classes=1230, train='annotations/lvis_v0.5_train.json', epochs=24, eql_lambda=0.00177),
}
TOY_DETECTORS = ('faster-rcnn', 'mask-rcnn', 'cascade-mask-rcnn')


def loss_of(path: str) -> str:
    match = re.search(r'_(eqlv2|eql)_', osp.basename(path))
    return match.group(1) if match else 'ce'


def toy_config(detector: str, loss: str) -> str:
    infix = '' if loss == 'ce' else f'_{loss}'
    name = f'{detector}_r18-tiny_fpn{infix}_3e_toy-lvis.py'
    # the Mask R-CNN CE baseline is the main toy job of configs/lvis
    folder = 'lvis' if (detector, loss) == ('mask-rcnn', 'ce') else 'eql'
    return osp.join(ROOT, 'configs', folder, name)


def bbox_heads(roi_head) -> list:
    return list(roi_head.bbox_head) if isinstance(roi_head.bbox_head, (list, torch.nn.ModuleList)) else [
        roi_head.bbox_head]


def test_every_toy_combination_is_a_config():
    for detector in TOY_DETECTORS:
        for loss in LOSS_TYPES:
            assert osp.isfile(toy_config(detector, loss)), (detector, loss)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_builds_its_loss_without_annotation_file(path, tmp_path):
    cfg = Config.fromfile(path)
    loss = loss_of(path)
    name = osp.basename(path)
    toy = name.endswith('_toy-lvis.py')
    if toy:
        num_classes = len(cfg.train_dataloader.dataset.metainfo.classes)
    else:
        num_classes = LVIS[re.search(r'lvis-(v[\d.]+)\.py$', name).group(1)]['num_classes']
    head_cfgs = bbox_heads(cfg.model.roi_head)
    assert len(head_cfgs) == (3 if name.startswith('cascade') else 1)
    for head_cfg in head_cfgs:
        assert head_cfg.num_classes == num_classes
        assert head_cfg.loss_cls.type == LOSS_TYPES[loss]
        if loss != 'ce':
            assert head_cfg.loss_cls.num_classes == num_classes
            head_cfg.loss_cls.ann_file = str(tmp_path / 'not_there.json')  # building must not read it
    if 'mask_head' in cfg.model.roi_head and cfg.model.roi_head.mask_head is not None:
        assert cfg.model.roi_head.mask_head.num_classes == num_classes
    assert (cfg.get('custom_hooks') == [dict(type='EqualizationLossV2LoggerHook')]) == (loss == 'eqlv2')

    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    if toy:
        model.init_weights()  # the real-data configs would download ImageNet weights
    expected_channels = num_classes if loss == 'eql' else num_classes + 1
    for head in bbox_heads(model.roi_head):
        assert type(head.loss_cls).__name__ == LOSS_TYPES[loss]
        assert head.fc_cls.out_features == expected_channels
        if toy and loss != 'ce':  # the fc_cls bias of a prior of 0.001
            torch.testing.assert_close(head.fc_cls.bias, torch.full((expected_channels, ), -math.log(999.0)))
    assert model.with_mask == ('mask-rcnn' in name)


def test_metafile_lists_every_config_and_is_in_the_model_index():
    import yaml
    with open(osp.join(CONFIG_DIR, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert sorted(m['Config'] for m in models) == sorted(osp.relpath(p, ROOT) for p in CONFIGS)
    assert all(m['Name'] == osp.splitext(osp.basename(m['Config']))[0] for m in models)
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/eql/metafile.yml' in yaml.safe_load(f)['Import']


LVIS_CONFIGS = [p for p in CONFIGS if not p.endswith('_toy-lvis.py')]


def test_real_data_configs_cover_both_versions_losses_and_sampling():
    names = {osp.basename(p) for p in LVIS_CONFIGS}
    for version, schedule in (('v1', '1x'), ('v0.5', '2x')):
        for loss in ('eql', 'eqlv2'):
            for rfs in ('', '_sample1e-3'):
                assert f'mask-rcnn_r50_fpn_{loss}{rfs}_{schedule}_lvis-{version}.py' in names


@pytest.mark.parametrize('path', LVIS_CONFIGS, ids=osp.basename)
def test_real_data_config_keeps_mmdet_lvis_settings(path):
    cfg = Config.fromfile(path)
    name = osp.basename(path)
    version = re.search(r'lvis-(v[\d.]+)\.py$', name).group(1)
    dataset_type = {'v1': 'LVISV1Dataset', 'v0.5': 'LVISV05Dataset'}[version]
    assert cfg.train_cfg.max_epochs == LVIS[version]['epochs']
    assert cfg.model.test_cfg.rcnn.score_thr == 0.0001 and cfg.model.test_cfg.rcnn.max_per_img == 300
    assert cfg.val_evaluator.ann_file.endswith(f'annotations/lvis_{version}_val.json')

    dataset = cfg.train_dataloader.dataset
    if '_sample1e-3_' in name:
        assert dataset.type == 'ClassBalancedDataset' and dataset.oversample_thr == 1e-3
        dataset = dataset.dataset
    else:
        # the RFS sibling with only the wrapper removed: everything else equal
        sibling = Config.fromfile(path.replace(f'_{loss_of(path)}_', f'_{loss_of(path)}_sample1e-3_'))
        assert dataset == sibling.train_dataloader.dataset.dataset
        assert cfg.to_dict().keys() == sibling.to_dict().keys()
        for key in cfg.to_dict():
            if key != 'train_dataloader':
                assert cfg[key] == sibling[key], key
    assert dataset.type == dataset_type and dataset.ann_file == LVIS[version]['train']

    loss = cfg.model.roi_head.bbox_head.loss_cls
    # the frequencies (EQL) and groups (EQLv2 logging) come from the file the detector trains on
    assert loss.ann_file == osp.join(dataset.data_root, dataset.ann_file)
    if loss.type == 'EqualizationLoss':
        assert loss.lambda_ == LVIS[version]['eql_lambda']
    else:
        assert (loss.gamma, loss.mu, loss.alpha) == (12, 0.8, 4)


@pytest.mark.slow
@pytest.mark.parametrize('loss', list(LOSS_TYPES))
@pytest.mark.parametrize('detector', TOY_DETECTORS)
def test_toy_config_trains_and_tests_with_its_activation(detector, loss, tmp_path, toy_lvis_data,
                                                          monkeypatch):
    from mmengine.runner import Runner
    monkeypatch.chdir(ROOT)  # the configs' data paths are relative to the repository
    cfg = short_run_cfg(toy_config(detector, loss), str(tmp_path), iters=2, batch_size=2, test_images=4)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert math.isfinite(runner.message_hub.get_scalar('train/loss_cls' if detector != 'cascade-mask-rcnn'
                                                       else 'train/s0.loss_cls').current())

    # Cascade R-CNN averages the stages' logits and scores them with the last stage's head
    head = bbox_heads(runner.model.roi_head)[-1]
    with recording(head, 'predict_by_feat') as calls:
        metrics = runner.test()
    assert len(calls) == 1  # one batch of 4 images
    _, kwargs, results = calls[0]
    assert len(results) == 4
    num_scores = 0
    for cls_score, result in zip(kwargs['cls_scores'], results):
        assert scores_among(result.scores, reference_scores(loss, cls_score))
        if loss != 'ce':
            assert not scores_among(result.scores, reference_scores('ce', cls_score))
        num_scores += len(result.scores)
    assert num_scores > 0

    iou_types = ('bbox', 'segm') if 'mask' in detector else ('bbox', )
    for iou_type in ('bbox', 'segm'):
        keys = [f'lvis/{iou_type}_{k}' for k in ('AP', 'APr', 'APc', 'APf')]
        if iou_type in iou_types:
            assert all(-1 <= metrics[k] <= 1 for k in keys), metrics
            assert metrics[f'lvis/{iou_type}_AP'] >= 0
        else:
            assert not set(keys) & set(metrics)
