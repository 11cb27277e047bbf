"""mmx.cls.transforms.PackImageClsInputs and mmx.cls.data_sample.ClsSample."""
import numpy as np
import pytest
import torch

from mmx.cls.data_sample import ClsSample
from mmx.cls.transforms import PackImageClsInputs


def test_packs_hwc_as_chw_and_keeps_dtype():
    img = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    out = PackImageClsInputs()(dict(img=img, gt_label=7, img_path='x.png', ignored='y'))
    assert out['inputs'].dtype == torch.uint8
    torch.testing.assert_close(out['inputs'], torch.from_numpy(img).permute(2, 0, 1))
    sample = out['data_samples']
    assert sample.gt_label.tolist() == [7] and sample.gt_label.dtype == torch.long
    assert sample.metainfo == {'img_path': 'x.png'}


def test_grey_image_gets_a_channel_and_label_is_optional():
    out = PackImageClsInputs()(dict(img=np.zeros((5, 6), np.float32)))
    assert out['inputs'].shape == (1, 5, 6)
    assert 'gt_label' not in out['data_samples']


@pytest.mark.parametrize('results, error, match', [
    (dict(gt_label=1), KeyError, 'needs an "img"'),
    (dict(img=np.zeros((1, 2, 3, 4))), ValueError, r'got shape \(1, 2, 3, 4\)'),
])
def test_bad_results(results, error, match):
    with pytest.raises(error, match=match):
        PackImageClsInputs()(results)


def test_cls_sample_converts_and_checks_fields():
    sample = ClsSample()
    sample.gt_label = np.int64(3)
    sample.pred_label = torch.tensor(4)
    sample.pred_score = torch.tensor([0.2, 0.8])
    assert sample.gt_label.tolist() == [3] and sample.pred_label.tolist() == [4]
    assert set(sample.to_dict()) == {'gt_label', 'pred_label', 'pred_score'}
    with pytest.raises(TypeError, match='integers'):
        sample.gt_label = 1.5
    with pytest.raises(TypeError, match='1-D tensor'):
        sample.pred_score = torch.zeros(2, 2)
