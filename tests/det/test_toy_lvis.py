"""The toy LVIS generator: valid LVIS v1 files that mmdet loads and evaluates, a real long tail with LVIS's
federated labels, determinism, the on-demand cache, the dataset config, and bad arguments."""
import json
import os
import os.path as osp
import re
import runpy
from collections import defaultdict

import cv2
import numpy as np
import pytest
import torch
from lvis import LVIS
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmx  # noqa: F401  applies the compatibility fixes (lvis's np.float on numpy 2)
from mmx.det.datasets import TOY_LVIS_CLASSES, generate_toy_lvis

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', '_base_', 'datasets', 'toy-lvis_v1_instance.py')
SMALL = dict(num_train=30, num_val=40)  # about the smallest sizes that hold every category
# OpenCV hue (0-180) of each colour name, for finding objects in the images independently of the generator.
HUES = dict(red=0, yellow=27, green=63, cyan=92, blue=112, magenta=150)
# pycocotools 2.0.x on numpy 2 warns once per decoded mask
pytestmark = pytest.mark.filterwarnings('ignore:__array__ implementation:DeprecationWarning')


def lvis_group(image_count: int) -> str:
    """LVIS's frequency groups: rare 1-10 training images, common 11-100, frequent > 100."""
    return 'r' if image_count <= 10 else 'c' if image_count <= 100 else 'f'


def all_files(root: str) -> dict:
    """Relative path -> bytes of every file under root."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = osp.join(folder, name)
            with open(path, 'rb') as f:
                out[osp.relpath(path, root)] = f.read()
    return out


@pytest.fixture(scope='session')
def toy(tmp_path_factory):
    """The default dataset (600 train / 150 val images), generated once per session."""
    out = str(tmp_path_factory.mktemp('toy_lvis'))
    result = generate_toy_lvis(out)
    return dict(result, train=LVIS(result['train_ann_file']), val=LVIS(result['val_ann_file']))


# ---------------------------------------------------------------------------------------------------
# Format
# ---------------------------------------------------------------------------------------------------
def test_layout_and_lvis_v1_fields(toy):
    assert toy['generated']
    for split, num_images, folder in (('train', 600, 'train2017'), ('val', 150, 'val2017')):
        data = toy[split].dataset
        assert list(data) == ['info', 'licenses', 'images', 'annotations', 'categories']
        assert len(data['images']) == num_images
        assert [c['id'] for c in data['categories']] == list(range(1, len(TOY_LVIS_CLASSES) + 1))
        assert tuple(c['name'] for c in data['categories']) == TOY_LVIS_CLASSES
        for cat in data['categories']:
            assert set(cat) == {'id', 'name', 'synset', 'synonyms', 'def', 'frequency', 'image_count',
                                'instance_count'}
        license_ids = {lic['id'] for lic in data['licenses']}
        for img in data['images']:
            assert set(img) == {'id', 'width', 'height', 'coco_url', 'flickr_url', 'date_captured', 'license',
                                'neg_category_ids', 'not_exhaustive_category_ids'}
            assert img['width'] == img['height'] == 128 and img['license'] in license_ids
            file_name = f'{img["id"]:012d}.jpg'
            assert img['coco_url'] == f'http://images.cocodataset.org/{folder}/{file_name}'
            assert osp.isfile(osp.join(toy['out_dir'], folder, file_name))
        ann_ids = [a['id'] for a in data['annotations']]
        assert len(set(ann_ids)) == len(ann_ids)
        for ann in data['annotations']:
            assert set(ann) == {'id', 'image_id', 'category_id', 'segmentation', 'area', 'bbox'}
    train_ids = {i['id'] for i in toy['train'].dataset['images']}
    val_ids = {i['id'] for i in toy['val'].dataset['images']}
    assert not train_ids & val_ids, 'image ids are unique across the splits, as in COCO'
    assert toy['val'].dataset['categories'] == toy['train'].dataset['categories']


def test_polygons_boxes_and_areas(toy):
    for split in ('train', 'val'):
        api = toy[split]
        by_image = defaultdict(list)
        for ann in api.dataset['annotations']:
            (poly,) = ann['segmentation']
            xy = np.array(poly).reshape(-1, 2)
            x, y = xy[:, 0], xy[:, 1]
            shoelace = abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2
            assert ann['area'] == pytest.approx(shoelace, abs=0.01)
            assert ann['bbox'] == pytest.approx([x.min(), y.min(), x.max() - x.min(), y.max() - y.min()],
                                                abs=0.01)
            assert xy.min() >= 0 and xy.max() <= 128
            assert 7 <= max(ann['bbox'][2:]) <= 50, 'objects are about 10-50 px'
            mask = api.ann_to_mask(ann)
            assert abs(int(mask.sum()) - ann['area']) <= 0.6 * (2 * ann['bbox'][2] + 2 * ann['bbox'][3])
            by_image[ann['image_id']].append(mask)
        counts = [len(masks) for masks in by_image.values()]
        assert len(by_image) == len(api.dataset['images']), 'every image has an annotation'
        assert min(counts) >= 1 and max(counts) <= 6
        for masks in by_image.values():
            # objects do not overlap, so each mask is exactly the visible part of its object
            assert np.sum(masks, axis=0).max() == 1


# ---------------------------------------------------------------------------------------------------
# Long tail and federated labels
# ---------------------------------------------------------------------------------------------------
def test_frequency_groups_follow_lvis_thresholds(toy):
    images, instances = defaultdict(set), defaultdict(int)
    for ann in toy['train'].dataset['annotations']:
        images[ann['category_id']].add(ann['image_id'])
        instances[ann['category_id']] += 1
    groups = defaultdict(list)
    for split in ('train', 'val'):
        for cat in toy[split].dataset['categories']:
            assert cat['image_count'] == len(images[cat['id']])
            assert cat['instance_count'] == instances[cat['id']]
            assert cat['frequency'] == lvis_group(len(images[cat['id']]))
            if split == 'train':
                groups[cat['frequency']].append(cat['name'])
    assert {g: len(v) for g, v in groups.items()} == {'r': 8, 'c': 10, 'f': 6}
    assert toy['summary']['train']['categories'] == {'r': 8, 'c': 10, 'f': 6}
    # every rare category looks like two frequent ones: same colour as one, same shape as another
    frequent = [name.split('_') for name in groups['f']]
    for name in groups['r']:
        colour, shape = name.split('_')
        assert any(c == colour for c, _ in frequent) and any(s == shape for _, s in frequent), name


def test_every_category_is_in_val(toy):
    images = defaultdict(set)
    for ann in toy['val'].dataset['annotations']:
        images[ann['category_id']].add(ann['image_id'])
    assert all(len(images[cat_id]) >= 4 for cat_id in range(1, len(TOY_LVIS_CLASSES) + 1))
    assert toy['summary']['val']['categories'] == {'r': 8, 'c': 10, 'f': 6}


def unexplained_hues(path: str, masks: list) -> np.ndarray:
    """OpenCV hues of the strongly coloured pixels that no annotated mask (grown by 3 px) covers."""
    hsv = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2HSV)
    covered = np.zeros(hsv.shape[:2], np.uint8)
    for mask in masks:
        covered |= mask
    covered = cv2.dilate(covered, np.ones((7, 7), np.uint8))  # JPEG bleeds colour at edges
    loose = (hsv[:, :, 1] > 110) & (hsv[:, :, 2] > 80) & (covered == 0)
    return hsv[:, :, 0][loose].astype(int)


def test_federated_labels(toy):
    for split in ('train', 'val'):
        api = toy[split]
        images = api.dataset['images']
        num_not_exhaustive = 0
        for img in images:
            anns = api.img_ann_map[img['id']]
            present = {a['category_id'] for a in anns}
            neg = img['neg_category_ids']
            assert len(neg) >= 4 and len(set(neg)) == len(neg) and not set(neg) & present
            missing = img['not_exhaustive_category_ids']
            assert set(missing) <= present
            num_not_exhaustive += bool(missing)
            # The not-exhaustive category has an unannotated instance in the image; other images have none.
            folder = 'train2017' if split == 'train' else 'val2017'
            hues = unexplained_hues(osp.join(toy['out_dir'], folder, f'{img["id"]:012d}.jpg'),
                                    [api.ann_to_mask(a) for a in anns])
            if missing:
                colour = TOY_LVIS_CLASSES[missing[0] - 1].split('_')[0]
                distance = np.minimum(np.abs(hues - HUES[colour]), 180 - np.abs(hues - HUES[colour]))
                assert (distance <= 12).sum() >= 30, (split, img['id'], colour)
            else:
                assert len(hues) <= 5, (split, img['id'])
        assert 0.05 * len(images) <= num_not_exhaustive <= 0.2 * len(images)


# ---------------------------------------------------------------------------------------------------
# mmdet: dataset, pipeline, metric
# ---------------------------------------------------------------------------------------------------
def build_from_config(key: str, out_dir: str):
    from mmdet.registry import DATASETS
    cfg = Config.fromfile(CONFIG)
    dataset_cfg = cfg[key].dataset
    dataset_cfg.data_root = out_dir + '/'
    with DefaultScope.overwrite_default_scope('mmdet'):
        return DATASETS.build(dataset_cfg)


@pytest.mark.parametrize('split', ['train', 'val'])
def test_mmdet_lvis_v1_dataset_loads_it(toy, split):
    dataset = build_from_config(f'{split}_dataloader', toy['out_dir'])
    api = toy[split]
    assert type(dataset).__name__ == 'LVISV1Dataset'
    assert dataset.metainfo['classes'] == TOY_LVIS_CLASSES
    assert len(dataset) == len(api.dataset['images'])
    expected = defaultdict(list)
    for ann in api.dataset['annotations']:
        expected[ann['image_id']].append(ann['category_id'] - 1)
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        assert sorted(i['bbox_label'] for i in info['instances']) == sorted(expected[info['img_id']])
    for index in (0, len(dataset) - 1):
        item = dataset[index]
        inputs, sample = item['inputs'], item['data_samples']
        assert inputs.dtype == torch.uint8 and inputs.shape[0] == 3 and max(inputs.shape[1:]) <= 128
        assert inputs.float().std() > 10, 'the image decodes to a picture, not a constant'
        gt = sample.gt_instances
        assert len(gt) == len(expected[sample.img_id])
        masks = gt.masks.to_ndarray()
        assert masks.shape == (len(gt), *inputs.shape[1:]) and (masks.sum((1, 2)) > 20).all()


def gt_as_predictions(api: LVIS) -> list:
    """The ground truth of each image in the data-sample form that LVISMetric.process reads."""
    samples = []
    for img in api.dataset['images']:
        anns = api.img_ann_map[img['id']]
        boxes = [[x, y, x + w, y + h] for x, y, w, h in (a['bbox'] for a in anns)]
        samples.append(dict(
            img_id=img['id'],
            ori_shape=(img['height'], img['width']),
            pred_instances=dict(
                bboxes=torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
                scores=torch.ones(len(anns)),
                labels=torch.tensor([a['category_id'] - 1 for a in anns], dtype=torch.int64),
                masks=torch.from_numpy(np.stack([api.ann_to_mask(a) for a in anns]).astype(bool)))))
    return samples


def evaluate(ann_file: str, samples: list, metric, classwise: bool = False) -> dict:
    from mmdet.evaluation import LVISMetric
    evaluator = LVISMetric(ann_file=ann_file, metric=metric, classwise=classwise)
    evaluator.dataset_meta = dict(classes=TOY_LVIS_CLASSES)
    evaluator.process({}, samples)
    return evaluator.compute_metrics(evaluator.results)


def test_lvis_metric_scores_ground_truth_perfectly(toy):
    results = evaluate(toy['val_ann_file'], gt_as_predictions(toy['val']), ['bbox', 'segm'])
    for metric in ('bbox', 'segm'):
        for key in ('AP', 'AP50', 'AP75', 'APr', 'APc', 'APf'):
            assert results[f'{metric}_{key}'] == 1.0, (metric, key, results)


def test_lvis_metric_counts_false_positives_only_on_verified_categories(toy):
    """A false positive costs AP on a verified-absent category (neg_category_ids), nothing on an
    unverified one: the federated labels reach the evaluation."""
    api = toy['val']
    img = next(i for i in api.dataset['images'] if not i['not_exhaustive_category_ids'])
    present = {a['category_id'] for a in api.img_ann_map[img['id']]}
    negative = img['neg_category_ids'][0]
    unverified = next(c for c in range(1, len(TOY_LVIS_CLASSES) + 1)
                      if c not in present and c not in img['neg_category_ids'])
    for cat_id, expected_ap in ((negative, lambda ap: ap < 1.0), (unverified, lambda ap: ap == 1.0)):
        samples = gt_as_predictions(api)
        sample = next(s for s in samples if s['img_id'] == img['id'])
        pred = sample['pred_instances']
        pred['bboxes'] = torch.cat([pred['bboxes'], torch.tensor([[60.0, 60.0, 80.0, 80.0]])])
        pred['scores'] = torch.cat([pred['scores'], torch.tensor([2.0])])  # ranked above every true positive
        pred['labels'] = torch.cat([pred['labels'], torch.tensor([cat_id - 1])])
        del pred['masks']
        results = evaluate(toy['val_ann_file'], samples, 'bbox', classwise=True)
        name = TOY_LVIS_CLASSES[cat_id - 1]
        assert expected_ap(results[f'{name}_precision']), (name, results[f'{name}_precision'])


# ---------------------------------------------------------------------------------------------------
# Determinism and the on-demand cache
# ---------------------------------------------------------------------------------------------------
def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    first = generate_toy_lvis(str(tmp_path / 'a'), seed=3, **SMALL)
    generate_toy_lvis(str(tmp_path / 'b'), seed=3, **SMALL)
    generate_toy_lvis(str(tmp_path / 'c'), seed=4, **SMALL)
    a, b, c = (all_files(str(tmp_path / name)) for name in 'abc')
    assert len(a) == 3 + SMALL['num_train'] + SMALL['num_val']  # two annotation files and the manifest
    assert a == b
    assert set(a) == set(c)
    assert a['annotations/lvis_v1_train.json'] != c['annotations/lvis_v1_train.json']
    assert a['annotations/lvis_v1_val.json'] != c['annotations/lvis_v1_val.json']
    images = [k for k in a if k.endswith('.jpg')]
    assert sum(a[k] != c[k] for k in images) == len(images)
    assert first['summary'] == json.loads(a['toy_lvis_manifest.json'])['summary']


def test_on_demand_cache(tmp_path):
    out = str(tmp_path / 'toy')
    assert generate_toy_lvis(tmp_path / 'toy', **SMALL)['generated']  # a pathlib.Path works too
    ann_file = osp.join(out, 'annotations', 'lvis_v1_train.json')
    stamp = os.stat(ann_file).st_mtime_ns
    again = generate_toy_lvis(out, **SMALL)
    assert not again['generated'] and os.stat(ann_file).st_mtime_ns == stamp
    assert again['summary']['train']['images'] == SMALL['num_train']

    os.remove(osp.join(out, 'toy_lvis_manifest.json'))
    assert generate_toy_lvis(out, **SMALL)['generated']
    os.remove(osp.join(out, 'val2017', f'{SMALL["num_train"] + 1:012d}.jpg'))
    assert generate_toy_lvis(out, **SMALL)['generated']
    assert generate_toy_lvis(out, force=True, **SMALL)['generated']
    assert generate_toy_lvis(out, seed=1, **SMALL)['generated']
    assert not generate_toy_lvis(out, seed=1, **SMALL)['generated']


def test_interrupted_generation_is_redone(tmp_path):
    out = str(tmp_path / 'toy')
    generate_toy_lvis(out, **SMALL)
    reference = all_files(out)

    def crash(done, total):
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_toy_lvis(out, seed=1, progress=crash, **SMALL)  # overwrites some images, then dies
    assert not osp.exists(osp.join(out, 'toy_lvis_manifest.json'))
    assert generate_toy_lvis(out, **SMALL)['generated']
    assert all_files(out) == reference


def test_regeneration_removes_images_of_a_larger_earlier_dataset(tmp_path):
    out = str(tmp_path / 'toy')
    generate_toy_lvis(out, num_train=40, num_val=50)
    generate_toy_lvis(out, **SMALL)
    assert len(os.listdir(osp.join(out, 'train2017'))) == SMALL['num_train']
    assert len(os.listdir(osp.join(out, 'val2017'))) == SMALL['num_val']
    LVIS(osp.join(out, 'annotations', 'lvis_v1_val.json'))


# ---------------------------------------------------------------------------------------------------
# Config, CLI, bad arguments
# ---------------------------------------------------------------------------------------------------
def test_config_matches_the_generator():
    cfg = Config.fromfile(CONFIG)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        dataset = cfg[key].dataset
        assert dataset.type == 'LVISV1Dataset', 'no ClassBalancedDataset wrapper (a no-op on the toy set)'
        assert dataset.data_root == 'data/toy_lvis/'
        assert tuple(dataset.metainfo.classes) == TOY_LVIS_CLASSES
        assert cfg[key].num_workers == 0 and not cfg[key].persistent_workers
    assert cfg.train_dataloader.batch_size == 4
    assert cfg.train_dataloader.dataset.ann_file == 'annotations/lvis_v1_train.json'
    assert [t.type for t in cfg.train_dataloader.dataset.pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'RandomChoiceResize', 'RandomFlip', 'PackDetInputs']
    assert cfg.train_dataloader.dataset.pipeline[1].with_mask
    for key in ('val_evaluator', 'test_evaluator'):
        assert cfg[key].type == 'LVISMetric' and list(cfg[key].metric) == ['bbox', 'segm']
        assert cfg[key].ann_file == 'data/toy_lvis/annotations/lvis_v1_val.json'


def test_cli(tmp_path, capsys):
    out = str(tmp_path / 'toy')
    argv = ['--out', out, '--num-train', str(SMALL['num_train']), '--num-val', str(SMALL['num_val'])]
    main = runpy.run_path(osp.join(ROOT, 'tools', 'data', 'toy_lvis.py'))['main']
    main(argv)
    text = capsys.readouterr().out
    assert 'generated in' in text
    assert re.search(rf'^train +{SMALL["num_train"]} +\d+ +\d+ / \d+ / \d+$', text, re.M)
    assert re.search(rf'^val +{SMALL["num_val"]} +\d+ +\d+ / \d+ / \d+$', text, re.M)
    assert osp.isfile(osp.join(out, 'annotations', 'lvis_v1_val.json'))
    main(argv)
    assert 'already present' in capsys.readouterr().out


@pytest.mark.parametrize('kwargs, message', [
    (dict(num_val=10), 'num_val=10 is too small'),
    (dict(num_train=3), 'num_train=3 is too small'),
    (dict(num_train=0), 'num_train must be a positive integer'),
    (dict(num_val=-5), 'num_val must be a positive integer'),
    (dict(num_train=2.5), 'num_train must be a positive integer'),
    (dict(image_size=0), 'image_size must be a positive integer'),
    (dict(image_size=16), 'image_size must be at least 32'),
    (dict(min_val_images=0), 'min_val_images must be a positive integer'),
    (dict(seed=-1), 'seed must be a non-negative integer'),
    (dict(not_exhaustive_ratio=1.5), r'not_exhaustive_ratio must be a number in \[0, 1\]'),
])
def test_bad_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_toy_lvis(str(tmp_path / 'toy'), **kwargs)
    assert not osp.exists(tmp_path / 'toy'), 'nothing is written before the arguments are checked'


def test_unwritable_out_dir(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    with pytest.raises(ValueError, match='out_dir .* cannot be written'):
        generate_toy_lvis(str(blocker / 'toy'), **SMALL)
