"""CrossDataset: the unified label space and the annotated-class sets of a hand-made pair of datasets, their
way into the data samples, LVIS's federated lists, the source-ratio samplers, and bad input."""
import json

import numpy as np
import pytest
from mmdet.registry import DATASETS, DATA_SAMPLERS

from mmx.det.datasets import CrossDataset, CrossDatasetLabels, build_label_space

@pytest.fixture(autouse=True)
def mmdet_scope():
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmdet'):
        yield


PIPELINE = [dict(type='LoadAnnotations', with_bbox=True), dict(type='PackDetInputs')]


def write_coco(path, classes, images):
    """A COCO file: ``images`` is a list of lists of class names (one box per name)."""
    anns = []
    for i, names in enumerate(images, 1):
        for name in names:
            anns.append(dict(id=len(anns) + 1, image_id=i, category_id=classes.index(name) + 1,
                             bbox=[2.0 + len(anns), 2.0, 10.0, 10.0], area=100.0, iscrowd=0))
    doc = dict(images=[dict(id=i, file_name=f'{i}.jpg', width=64, height=64) for i in range(1, len(images) + 1)],
               annotations=anns, categories=[dict(id=k + 1, name=c) for k, c in enumerate(classes)])
    path.write_text(json.dumps(doc))
    return str(path)


def source(path, classes, **kwargs):
    return dict(type='CocoDataset', ann_file=path, data_prefix=dict(img=''), metainfo=dict(classes=classes),
                filter_cfg=dict(filter_empty_gt=False), pipeline=PIPELINE, **kwargs)


@pytest.fixture
def pair(tmp_path):
    """'det' annotates person, car, dog; 'faces' annotates face and human (= person)."""
    det = write_coco(tmp_path / 'det.json', ['person', 'car', 'dog'], [['person', 'dog'], ['car']])
    faces = write_coco(tmp_path / 'faces.json', ['face', 'human'], [['face', 'human', 'face'], []])
    return dict(type='CrossDataset', sources=[
        dict(name='det', dataset=source(det, ('person', 'car', 'dog'))),
        dict(name='faces', dataset=source(faces, ('face', 'human')), label_map=dict(human='person'))])


def test_label_space_and_annotated_sets(pair):
    ds = DATASETS.build(pair)
    meta = ds.metainfo
    assert meta['classes'] == ('person', 'car', 'dog', 'face')
    assert meta['sources'] == ('det', 'faces')
    assert meta['source_label_maps'] == {'det': (0, 1, 2), 'faces': (3, 0)}
    assert meta['annotated_by'] == (('det', 'faces'), ('det',), ('det',), ('faces',))
    assert meta['source_sizes'] == (2, 2)
    assert len(ds) == 4
    # the data samples: labels in the unified space, source and annotated classes in the metainfo
    expected = [('det', [0, 2], [0, 1, 2]), ('det', [1], [0, 1, 2]), ('faces', [3, 0, 3], [0, 3]),
                ('faces', [], [0, 3])]
    for idx, (src, labels, annotated) in enumerate(expected):
        sample = ds[idx]['data_samples']
        assert sample.metainfo['source'] == src
        assert sample.metainfo['source_id'] == ('det', 'faces').index(src)
        assert sample.metainfo['annotated_labels'].tolist() == annotated
        assert sample.gt_instances.labels.tolist() == labels
        assert ds.get_cat_ids(idx) == sorted(set(labels))
        assert [i['bbox_label'] for i in ds.get_data_info(idx)['instances']] == labels
    table = ds.class_table()
    assert table[0] == dict(label=0, name='person', annotated_by=('det', 'faces'),
                            source_names={'det': 'person', 'faces': 'human'})


def test_explicit_order_drop_and_partial_annotation(pair):
    pair['classes'] = ('face', 'dog', 'car', 'person')
    pair['sources'][0]['label_map'] = dict(dog=None)  # dropped: boxes removed, not annotated
    pair['sources'][1]['annotated'] = ['face']  # "human" boxes kept but not exhaustive
    pair['classes'] = ('face', 'car', 'person')
    ds = DATASETS.build(pair)
    assert ds.metainfo['source_label_maps'] == {'det': (2, 1, -1), 'faces': (0, 2)}
    first = ds[0]['data_samples']
    assert first.gt_instances.labels.tolist() == [2]
    assert first.metainfo['annotated_labels'].tolist() == [1, 2]
    assert ds[2]['data_samples'].metainfo['annotated_labels'].tolist() == [0]
    assert ds.metainfo['annotated_by'] == (('faces',), ('det',), ('det',))


def test_build_label_space_errors():
    with pytest.raises(ValueError, match='unknown sources'):
        build_label_space({'a': ['x']}, {'b': {'x': 'y'}})
    with pytest.raises(ValueError, match='does not have'):
        build_label_space({'a': ['x']}, {'a': {'z': 'y'}})
    with pytest.raises(ValueError, match='maps several'):
        build_label_space({'a': ['x', 'y']}, {'a': {'x': 'y'}})
    with pytest.raises(ValueError, match='exactly the unified names'):
        build_label_space({'a': ['x', 'y']}, classes=['x'])


def test_bad_config(pair):
    with pytest.raises(ValueError, match='non-empty list'):
        CrossDataset(sources=[])
    bad = dict(pair, sources=[dict(pair['sources'][0], ratio=2)])
    with pytest.raises(ValueError, match='unknown keys'):
        DATASETS.build(bad)
    bad = dict(pair, sources=[pair['sources'][0], dict(pair['sources'][1], name='det')])
    with pytest.raises(ValueError, match='unique'):
        DATASETS.build(bad)
    bad = dict(pair, sources=[dict(pair['sources'][0], annotated=['cat'])])
    with pytest.raises(ValueError, match='not its classes'):
        DATASETS.build(bad)


def test_federated_lists():
    """LVIS's lists (label indices of LVISV1FederatedDataset): not-exhaustive classes are never annotated;
    with ``federated`` only the image's positive and verified-negative classes are."""
    info = dict(instances=[dict(bbox=[0, 0, 4, 4], bbox_label=1, ignore_flag=0)],
                neg_labels=np.array([0, 3]), not_exhaustive_labels=np.array([1, 2]))
    label_map = [4, 5, 6, 7]  # the source's 4 classes are unified labels 4-7
    out = CrossDatasetLabels('lvis', 1, label_map, [4, 5, 6, 7])(dict(info))
    assert out['instances'][0]['bbox_label'] == 5
    assert out['neg_labels'].tolist() == [4, 7]
    assert out['not_exhaustive_labels'].tolist() == [5, 6]
    assert out['annotated_labels'].tolist() == [4, 7]
    out = CrossDatasetLabels('lvis', 1, label_map, [4, 5, 6, 7], federated=True)(dict(info))
    assert out['annotated_labels'].tolist() == [4, 7]
    info['not_exhaustive_labels'] = np.array([], dtype=np.int64)
    out = CrossDatasetLabels('lvis', 1, label_map, [4, 5, 6, 7], federated=True)(dict(info))
    assert out['annotated_labels'].tolist() == [4, 5, 7]  # 6: neither positive nor verified negative
    with pytest.raises(ValueError, match='bbox_label 9'):
        CrossDatasetLabels('lvis', 1, label_map, [4])(dict(instances=[dict(bbox_label=9)]))


def test_multi_source_sampler_ratio(pair):
    ds = DATASETS.build(pair)
    sampler = DATA_SAMPLERS.build(dict(type='MultiSourceSampler', dataset=ds, batch_size=4,
                                       source_ratio=[1, 3], shuffle=False))
    it = iter(sampler)
    batch = [next(it) for _ in range(4)]
    assert sorted(ds.get_data_info(i)['source'] for i in batch) == ['det', 'faces', 'faces', 'faces']


def test_toy_cross_dataset_split_and_shares(toy_lvis_data, tmp_path):
    """The toy pair: disjoint training images dealt out in the shares' ratio, each file holding only its
    source's classes; the unannotated file the complement, on the same validation images."""
    from mmx.det.datasets import make_toy_cross_dataset
    out = make_toy_cross_dataset(toy_lvis_data, str(tmp_path), shares=dict(a=3, b=1), num_val=20)
    docs = {(s, k): json.loads(open(out[s][k]).read()) for s in 'ab' for k in ('train', 'val', 'val_unannotated')}
    ids = {s: [im['id'] for im in docs[s, 'train']['images']] for s in 'ab'}
    assert not set(ids['a']) & set(ids['b'])
    assert (len(ids['a']), len(ids['b'])) == (450, 150)  # 600 images, 3:1
    for s in 'ab':
        names = {c['name'] for c in docs[s, 'train']['categories']}
        assert names == set(out[s]['classes']) and not names & set(out[s]['unannotated'])
        assert {c['name'] for c in docs[s, 'val_unannotated']['categories']} == set(out[s]['unannotated'])
        assert len(docs[s, 'val']['images']) == len(docs[s, 'val_unannotated']['images']) == 20
        cat_ids = {c['id'] for c in docs[s, 'train']['categories']}
        assert all(a['category_id'] in cat_ids and a['image_id'] in set(ids[s]) for a in docs[s, 'train']['annotations'])
    with pytest.raises(ValueError, match='shares'):
        make_toy_cross_dataset(toy_lvis_data, str(tmp_path), shares=dict(a=1))
    with pytest.raises(ValueError, match='unknown colours'):
        make_toy_cross_dataset(toy_lvis_data, str(tmp_path), sources=dict(a=('purple', )))
