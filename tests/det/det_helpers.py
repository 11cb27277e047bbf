"""Helpers and fixtures shared by the detection tests (conftest.py re-exports the fixtures): a small LVIS-style
annotation file and tiny detectors."""
import json
import os.path as osp
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional

import pytest
from mmengine.config import Config

import mmx  # noqa: F401  registers the mmx modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

# (image_count, instance_count, LVIS group) of the small annotation file's categories, ids 1..6.
SMALL_CATEGORIES = ((1, 2, 'r'), (2, 2, 'r'), (5, 6, 'c'), (10, 12, 'c'), (40, 40, 'f'), (120, 138, 'f'))
# Category 6 is in images 1-120 and category 5 in images 121-160 (the others inside 1-10): 160 images carry
# annotations, and images 161-240 exist without any, which the frequency denominator must not count.
SMALL_NUM_IMAGES = 160
SMALL_FREQUENCY = tuple(n / SMALL_NUM_IMAGES for n, _, _ in SMALL_CATEGORIES)


def write_small_lvis(path: str, with_lvis_fields: bool = True) -> str:
    """Write the small LVIS-style file described by SMALL_CATEGORIES and return its path."""
    annotations = []
    for j, (image_count, instance_count, _) in enumerate(SMALL_CATEGORIES):
        first = 121 if j == 4 else 1
        for k in range(instance_count):
            annotations.append(dict(id=len(annotations) + 1, image_id=first + k % image_count,
                                    category_id=j + 1, bbox=[1.0, 1.0, 4.0, 4.0], area=16.0,
                                    segmentation=[[1.0, 1.0, 5.0, 1.0, 5.0, 5.0, 1.0, 5.0]]))
    categories = []
    for j, (image_count, instance_count, group) in enumerate(SMALL_CATEGORIES):
        cat = {'id': j + 1, 'name': f'cat{j + 1}', 'synset': f'cat{j + 1}.n.01', 'synonyms': [f'cat{j + 1}'],
               'def': ''}
        if with_lvis_fields:
            cat.update(image_count=image_count, instance_count=instance_count, frequency=group)
        categories.append(cat)
    images = [dict(id=i, width=32, height=32, file_name=f'{i:012d}.jpg', coco_url=f'http://x/{i:012d}.jpg',
                   neg_category_ids=[], not_exhaustive_category_ids=[])
              for i in range(1, 241)]
    with open(path, 'w') as f:
        json.dump(dict(info={}, licenses=[], images=images, annotations=annotations, categories=categories),
                  f)
    return path


@pytest.fixture
def small_lvis(tmp_path) -> str:
    return write_small_lvis(str(tmp_path / 'small_lvis.json'))


TOY_TRAIN_ANN = osp.join(ROOT, 'data', 'toy_lvis', 'annotations', 'lvis_v1_train.json')


@pytest.fixture(scope='session')
def toy_lvis_data() -> str:
    """The toy data of the configs, generated on demand into data/toy_lvis (git-ignored) and reused."""
    from mmx.det.datasets import generate_toy_lvis
    return generate_toy_lvis(osp.join(ROOT, 'data', 'toy_lvis'))['out_dir']

# mmx's tiny detector settings (as configs/_base_/models/mask-rcnn_r18-tiny_fpn.py, smaller still), applied
# to mmdet's model bases.
_TINY = """
_base_ = BASE
model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=False, init_cfg=None),
    neck=dict(in_channels=[16, 32, 64, 128], out_channels=32),
    rpn_head=dict(in_channels=32, feat_channels=32, anchor_generator=dict(scales=[4])),
    train_cfg=dict(rpn_proposal=dict(nms_pre=200, max_per_img=50)),
    test_cfg=dict(rpn=dict(nms_pre=200, max_per_img=50)))
"""

#: The init_cfg of configs/eql (fc_cls bias for a prior of 0.001, the rest as BBoxHead's default), read from
#: the config file that defines it.
PRIOR_INIT_CFG = Config.fromfile(
    osp.join(ROOT, 'configs', 'eql', '_base_', 'sigmoid-cls_init.py')).sigmoid_cls_init_cfg

BASES = {
    'faster': 'mmdet::_base_/models/faster-rcnn_r50_fpn.py',
    'mask': 'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'cascade': 'mmdet::_base_/models/cascade-mask-rcnn_r50_fpn.py',
}


def tiny_detector_cfg(tmp_path, kind: str, loss_cls: dict, num_classes: int,
                      init_cfg: Optional[list] = None) -> Config:
    """The model config of a tiny Faster / Mask / Cascade Mask R-CNN (mmdet's base, made small), with
    ``loss_cls`` in every bbox head."""
    path = tmp_path / f'tiny_{kind}.py'
    path.write_text(_TINY.replace('BASE', repr(BASES[kind])))
    cfg = Config.fromfile(str(path))
    roi_head = cfg.model.roi_head
    roi_head.bbox_roi_extractor.out_channels = 32
    stages = roi_head.bbox_head if isinstance(roi_head.bbox_head, list) else [roi_head.bbox_head]
    for stage in stages:
        stage.pop('loss_cls')  # ConfigDict.update would merge the new loss into CrossEntropyLoss's keys
        stage.update(in_channels=32, fc_out_channels=64, num_classes=num_classes, loss_cls=dict(loss_cls),
                     init_cfg=PRIOR_INIT_CFG if init_cfg is None else init_cfg)
    if 'mask_head' in roi_head:
        roi_head.mask_roi_extractor.out_channels = 32
        roi_head.mask_head.update(in_channels=32, conv_out_channels=32, num_convs=1, num_classes=num_classes)
    rcnn = cfg.model.train_cfg.rcnn
    for stage_cfg in (rcnn if isinstance(rcnn, list) else [rcnn]):
        stage_cfg.sampler.num = 32
    return cfg


@pytest.fixture
def tiny_detector(tmp_path) -> Callable:
    """Builds a tiny detector: ``tiny_detector(kind, loss_cls, num_classes)``; kind: faster, mask, cascade."""
    from mmdet.registry import MODELS
    from mmengine.registry import DefaultScope

    def build(kind: str, loss_cls: dict, num_classes: int, init_cfg: Optional[list] = None):
        cfg = tiny_detector_cfg(tmp_path, kind, loss_cls, num_classes, init_cfg)
        with DefaultScope.overwrite_default_scope('mmdet'):
            model = MODELS.build(cfg.model)
        model.init_weights()
        return model

    return build


def detector_inputs(num_classes: int, with_mask: bool, seed: int = 0):
    """One 64 x 64 image with three ground-truth objects, preprocessed for a tiny detector."""
    import torch
    from mmdet.testing import demo_mm_inputs
    torch.manual_seed(seed)
    packed = demo_mm_inputs(batch_size=1, image_shapes=[(3, 64, 64)], num_items=[3], num_classes=num_classes,
                            with_mask=with_mask)
    return packed


# ---------------------------------------------------------------- test-time scores

def reference_scores(loss: str, cls_score):
    """The (N, C + 1) test-time scores, background last, that a head with ``loss`` should derive from its
    logits, written independently of mmx and mmdet: softmax for cross-entropy ('ce'), sigmoid plus a zero
    background column for EQL (C logits), sigmoid foreground times (1 - sigmoid background) for EQLv2."""
    import torch
    if loss == 'ce':
        return cls_score.softmax(-1)
    if loss == 'eql':
        return torch.cat([cls_score.sigmoid(), cls_score.new_zeros(len(cls_score), 1)], 1)
    if loss == 'eqlv2':
        prob = cls_score.sigmoid()
        return torch.cat([prob[:, :-1] * (1 - prob[:, -1:]), prob[:, -1:]], 1)
    raise ValueError(f'unknown loss {loss!r}')


def scores_among(scores, activated) -> bool:
    """Whether every predicted score is one of the foreground entries (all columns but the last) of the
    (N, C + 1) activated class scores."""
    import torch
    foreground = activated[:, :-1].flatten()
    return bool(torch.isclose(scores[:, None], foreground[None]).any(1).all())


@contextmanager
def recording(obj, name: str) -> Iterator[List[tuple]]:
    """Wrap the method ``obj.<name>`` so that each call appends ``(args, kwargs, output)`` to the yielded
    list; the method is restored on exit."""
    original = getattr(obj, name)
    calls = []

    def wrapper(*args, **kwargs):
        output = original(*args, **kwargs)
        calls.append((args, kwargs, output))
        return output

    own = name in vars(obj)  # an attribute of the instance itself, not of its class
    setattr(obj, name, wrapper)
    try:
        yield calls
    finally:
        if own:
            setattr(obj, name, original)
        else:
            delattr(obj, name)


def short_run_cfg(config: str, work_dir: str, iters: int, batch_size: int = 1,
                  test_images: Optional[int] = None) -> Config:
    """A toy config set up for a few training iterations with mmengine's Runner: an iteration-based loop
    without validation or LR schedule, a log record every iteration and a checkpoint at the end, and either
    no test or a test on the first ``test_images`` validation images."""
    cfg = Config.fromfile(config)
    cfg.work_dir = work_dir
    cfg.log_level = 'WARNING'
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=iters + 1)
    cfg.param_scheduler = []
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.logger.interval = 1
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=iters, by_epoch=False)
    cfg.log_processor = dict(window_size=1, by_epoch=False)
    cfg.train_dataloader.batch_size = batch_size
    if test_images is None:
        cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    else:
        cfg.test_dataloader.dataset.indices = test_images
    return cfg
