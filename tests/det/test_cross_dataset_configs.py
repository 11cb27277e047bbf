"""The configs of configs/cross_dataset: listed in the metafile and the model index; the dataset-aware heads and
CrossDataset where their names say; the toy twins train (slow)."""
import glob
import math
import os.path as osp

import pytest
from det_helpers import ROOT, short_run_cfg
from mmengine.config import Config

CONFIG_DIR = osp.join(ROOT, 'configs', 'cross_dataset')
CONFIGS = sorted(glob.glob(osp.join(CONFIG_DIR, '*.py')))


def test_metafile_lists_every_config_and_is_in_the_model_index():
    import yaml
    with open(osp.join(CONFIG_DIR, 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert sorted(m['Config'] for m in models) == sorted(osp.relpath(p, ROOT) for p in CONFIGS)
    assert all(m['Name'] == osp.splitext(osp.basename(m['Config']))[0] for m in models)
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/cross_dataset/metafile.yml' in yaml.safe_load(f)['Import']


@pytest.mark.parametrize('path', [p for p in CONFIGS if '_1x_' in p], ids=osp.basename)
def test_real_data_configs_use_the_wrapper_and_aware_heads(path):
    cfg = Config.fromfile(path)
    assert cfg.train_dataloader.dataset.type == 'CrossDataset'
    assert cfg.val_dataloader.dataset.type == 'CrossDataset'
    assert cfg.val_evaluator.type == 'CrossDatasetMetric'
    assert set(cfg.val_evaluator.source_metrics) == {s.name for s in cfg.val_dataloader.dataset.sources}
    name = osp.basename(path)
    if 'naive-union' in name:
        assert cfg.model.roi_head.type == 'StandardRoIHead'
    elif name.startswith('retinanet'):
        assert cfg.model.bbox_head.type == 'DatasetAwareRetinaHead'
    else:
        assert cfg.model.roi_head.type == 'DatasetAwareRoIHead'
    if 'voc0712-coco' in name:
        assert cfg.train_dataloader.sampler.type == 'GroupMultiSourceSampler'
        assert len(cfg.train_dataloader.sampler.source_ratio) == len(cfg.train_dataloader.dataset.sources)


@pytest.fixture(scope='session')
def toy_cross_data(toy_lvis_data) -> str:
    from mmx.det.datasets import make_toy_cross_dataset
    out = osp.join(ROOT, 'data', 'toy_cross_dataset')
    if not osp.isfile(osp.join(out, 'annotations', 'b_val_unannotated.json')):
        make_toy_cross_dataset(toy_lvis_data, out)
    return out


@pytest.mark.slow
def test_lvis_coco_toy_twin_trains(tmp_path, toy_cross_data, monkeypatch):
    """Federated LVIS + a COCO-format source, masks, EQL with the annotated-class mask."""
    from mmengine.runner import Runner
    monkeypatch.chdir(ROOT)  # the configs' data paths are relative to the repository
    cfg = short_run_cfg(osp.join(CONFIG_DIR, 'mask-rcnn_r18-tiny_fpn_eql_cross-dataset_3e_toy-lvis-coco.py'),
                        str(tmp_path), iters=1, batch_size=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert math.isfinite(runner.message_hub.get_scalar('train/loss_cls').current())
    sources = {runner.train_dataloader.dataset.get_data_info(i)['source']
               for i in range(len(runner.train_dataloader.dataset))}
    assert sources == set(runner.train_dataloader.dataset.metainfo['sources'])
