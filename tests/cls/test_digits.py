"""mmx.cls.digits: the fixed split and the dataset items."""
import numpy as np
import pytest
from sklearn.datasets import load_digits

from mmx.cls.digits import DigitsDataset, split_digits


@pytest.fixture(scope='module')
def digits():
    return load_digits()


def test_split_is_disjoint_complete_and_stratified(digits):
    train, test = split_digits(digits.target)
    assert len(train) == 1201 and len(test) == 596
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(1797))
    counts = np.bincount(digits.target, minlength=10)
    np.testing.assert_array_equal(np.bincount(digits.target[test], minlength=10), counts // 3)


def test_split_follows_the_documented_rule():
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 0])
    # class 0 at 0,2,3,6,8,9 -> 3rd and 6th (3, 9) are test; class 1 at 1,4,5,7 -> 3rd (5) is test.
    train, test = split_digits(labels)
    np.testing.assert_array_equal(test, [3, 5, 9])
    np.testing.assert_array_equal(train, [0, 1, 2, 4, 6, 7, 8])
    with pytest.raises(ValueError, match='num_folds'):
        split_digits(labels, num_folds=1)


def test_dataset_items_match_load_digits(digits):
    train, test = DigitsDataset(split='train'), DigitsDataset(split='test')
    assert (len(train), len(test)) == (1201, 596)
    assert train.metainfo['classes'] == tuple('0123456789')
    _, test_idx = split_digits(digits.target)
    for i in (0, 100, 595):
        item = test.get_data_info(i)
        src = item['source_idx']
        assert src == test_idx[i]
        assert item['img'].shape == (8, 8, 1) and item['img'].dtype == np.uint8
        np.testing.assert_array_equal(item['img'][..., 0], np.round(digits.images[src] * 255 / 16))
        assert item['gt_label'] == digits.target[src]


def test_scale_factor_repeats_pixels():
    small = DigitsDataset(split='test').get_data_info(7)['img']
    big = DigitsDataset(split='test', scale_factor=4).get_data_info(7)['img']
    assert big.shape == (32, 32, 1)
    np.testing.assert_array_equal(big[::4, ::4], small)
    np.testing.assert_array_equal(big[3::4, 3::4], small)


def test_canvas_places_the_digit_among_clutter():
    """Cluttered translated digits: the digit somewhere on the canvas, unchanged where no fragment overlaps
    it (fragments are combined by maximum); the same image every time; no clutter = the digit alone."""
    digit = DigitsDataset(split='test', scale_factor=2).get_data_info(7)['img'][..., 0]
    plain = DigitsDataset(split='test', scale_factor=2, canvas=24).get_data_info(7)['img'][..., 0]
    assert plain.shape == (24, 24) and plain.sum() == digit.sum()
    hits = [(v, u) for v in range(9) for u in range(9) if np.array_equal(plain[v:v + 16, u:u + 16], digit)]
    assert len(hits) == 1
    v, u = hits[0]
    cluttered = DigitsDataset(split='test', scale_factor=2, canvas=24, clutter=3)
    img = cluttered.get_data_info(7)['img'][..., 0]
    assert np.all(img[v:v + 16, u:u + 16] >= digit)  # same place: the generator is seeded by the image
    assert img.sum() > plain.sum()  # fragments added
    np.testing.assert_array_equal(img, DigitsDataset(split='test', scale_factor=2, canvas=24,
                                                     clutter=3).get_data_info(7)['img'][..., 0])
    positions = {tuple(np.argwhere(cluttered.get_data_info(i)['img'][..., 0] > 0).min(0)) for i in range(20)}
    assert len(positions) > 5  # images are placed differently


@pytest.mark.parametrize('kwargs, match', [
    (dict(split='val'), "one of \\('train', 'test'\\)"),
    (dict(scale_factor=0), 'scale_factor'),
    (dict(scale_factor=1.5), 'scale_factor'),
    (dict(scale_factor=4, canvas=16), 'canvas'),
    (dict(clutter=2), 'needs a canvas'),
    (dict(canvas=16, clutter=-1), 'clutter'),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DigitsDataset(**kwargs)
