"""mmx.cls.necks.GlobalAvgPoolNeck."""
import pytest
import torch

from mmx.cls.necks import GlobalAvgPoolNeck


def test_pools_tensors_and_tuples():
    x = torch.arange(2 * 3 * 2 * 2, dtype=torch.float).reshape(2, 3, 2, 2)
    expected = torch.tensor([[1.5, 5.5, 9.5], [13.5, 17.5, 21.5]])
    torch.testing.assert_close(GlobalAvgPoolNeck()(x), expected)
    pooled = GlobalAvgPoolNeck()((x, x[:, :1]))
    assert isinstance(pooled, tuple) and [tuple(p.shape) for p in pooled] == [(2, 3), (2, 1)]


def test_rejects_non_maps():
    with pytest.raises(ValueError, match=r'got shape \(2, 3\)'):
        GlobalAvgPoolNeck()(torch.rand(2, 3))
