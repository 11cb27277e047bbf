"""mmx.cls.image_folder: scanning a class-per-folder tree, loading through a pipeline, and its errors."""
import os

import cv2
import numpy as np
import pytest
from mmengine.registry import DefaultScope

from mmx.cls.image_folder import ImageFolderDataset

# Bare names resolve in the 'mmx' scope (LoadImageFromFile through its parent, mmengine's root).
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackImageClsInputs')]


@pytest.fixture(autouse=True)
def mmx_scope():
    with DefaultScope.overwrite_default_scope('mmx'):
        yield


def _write(path, value, size=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), np.full(size + (3, ), value, np.uint8))


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / 'train'
    _write(root / 'zebra' / 'b.png', 10)
    _write(root / 'zebra' / 'a.jpg', 20)
    _write(root / 'ant' / 'sub' / 'c.PNG', 30)  # nested and upper-case extension
    (root / 'ant' / 'notes.txt').write_text('not an image')
    _write(root / 'cat' / 'd.bmp', 40)
    return tmp_path


def test_classes_sorted_and_images_labelled(tree):
    ds = ImageFolderDataset(data_root=str(tree), data_prefix=dict(img_path='train'), pipeline=PIPELINE)
    assert ds.metainfo['classes'] == ('ant', 'cat', 'zebra')
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    names = [(os.path.relpath(d['img_path'], tree / 'train'), d['gt_label']) for d in infos]
    assert names == [(os.path.join('ant', 'sub', 'c.PNG'), 0), (os.path.join('cat', 'd.bmp'), 1),
                     (os.path.join('zebra', 'a.jpg'), 2), (os.path.join('zebra', 'b.png'), 2)]
    item = ds[3]
    assert item['inputs'].shape == (3, 6, 5)
    assert int(item['inputs'][0, 0, 0]) == 10
    assert item['data_samples'].gt_label.tolist() == [2]
    assert item['data_samples'].img_path.endswith('b.png')


def test_classes_from_metainfo_fix_order_and_subset(tree):
    ds = ImageFolderDataset(data_root=str(tree / 'train'), metainfo=dict(classes=('zebra', 'ant')))
    assert [d['gt_label'] for d in map(ds.get_data_info, range(len(ds)))] == [0, 0, 1]
    with pytest.raises(FileNotFoundError, match='class folder .*dog'):
        ImageFolderDataset(data_root=str(tree / 'train'), metainfo=dict(classes=('dog', )))


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        ImageFolderDataset(data_root=str(tmp_path / 'nope'))


def test_folder_without_class_folders(tmp_path):
    _write(tmp_path / 'loose.png', 0)
    with pytest.raises(ValueError, match='no class sub-folders'):
        ImageFolderDataset(data_root=str(tmp_path))


def test_class_folders_without_images(tmp_path):
    (tmp_path / 'a').mkdir()
    (tmp_path / 'b').mkdir()
    (tmp_path / 'b' / 'x.txt').write_text('')
    with pytest.raises(ValueError, match='no images'):
        ImageFolderDataset(data_root=str(tmp_path))
