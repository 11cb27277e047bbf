"""mmx.cls.classifier.SmallImageClassifier: the three modes, training progress, bad input."""
import pytest
import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import DefaultScope

import mmx.cls  # noqa: F401  (registration)
from mmx.cls.data_sample import ClsSample
from mmx.registry import MODELS


def _cfg(**overrides):
    cfg = dict(
        type='SmallImageClassifier',
        data_preprocessor=dict(type='ImgDataPreprocessor', mean=[127.5], std=[127.5]),
        backbone=dict(type='SmallConvNet', in_channels=1, widths=(8, 16), strides=(1, 2), depths=(1, 1)),
        neck=dict(type='GlobalAvgPoolNeck'),
        head=dict(type='LinearClassifierHead', num_classes=4, in_channels=16))
    cfg.update(overrides)
    return cfg


def _build(**overrides):
    with DefaultScope.overwrite_default_scope('mmx'):
        model = MODELS.build(_cfg(**overrides))
    model.init_weights()
    return model


def _batch(n=8, seed=0):
    """Class y is a bright square in quadrant y of a dark 8x8 image: learnable in a few steps."""
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        y = i % 4
        img = torch.randint(0, 40, (1, 8, 8), generator=gen, dtype=torch.uint8)
        r, c = divmod(y, 2)
        img[:, 4 * r:4 * r + 4, 4 * c:4 * c + 4] += 200
        sample = ClsSample()
        sample.gt_label = y
        inputs.append(img)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def test_loss_decreases_with_sgd():
    torch.manual_seed(0)
    model = _build()
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9))
    losses = [model.train_step(_batch(), wrapper)['loss'].item() for _ in range(20)]
    assert losses[0] == pytest.approx(torch.log(torch.tensor(4.0)).item(), abs=0.05)  # ~uniform at init
    assert losses[-1] < 0.2 * losses[0]
    preds = model.eval().val_step(_batch())
    assert [p.pred_label.item() for p in preds] == [i % 4 for i in range(8)]


def test_predict_and_tensor_modes():
    model = _build().eval()
    batch = model.data_preprocessor(_batch(n=5), training=False)
    assert batch['inputs'].shape == (5, 1, 8, 8) and batch['inputs'].dtype == torch.float32
    logits = model(batch['inputs'], mode='tensor')
    assert logits.shape == (5, 4)
    preds = model.val_step(_batch(n=5))
    assert len(preds) == 5
    for pred, row in zip(preds, logits):
        assert pred.gt_label.numel() == 1
        torch.testing.assert_close(pred.pred_score, torch.softmax(row, 0))
        assert pred.pred_label.item() == row.argmax().item()


def test_without_neck_a_pooling_backbone_is_needed():
    model = _build(neck=None)
    with pytest.raises(ValueError, match='pool the feature maps'):
        model(torch.rand(2, 1, 8, 8), mode='tensor')


def test_backbone_from_another_scope():
    """Any registered backbone works: here mmdet's ResNet-18, named with its scope prefix."""
    import mmdet.models  # noqa: F401  (registers ResNet in mmdet's registry)
    model = _build(
        backbone=dict(type='mmdet.ResNet', depth=18, in_channels=1, base_channels=8, out_indices=(3, )),
        head=dict(type='LinearClassifierHead', num_classes=4, in_channels=64))
    assert type(model.backbone).__module__.startswith('mmdet.')
    assert model(torch.rand(2, 1, 32, 32), mode='tensor').shape == (2, 4)


def test_bad_mode_shape_and_keys():
    model = _build()
    with pytest.raises(ValueError, match="mode must be one of .* got 'train'"):
        model(torch.rand(2, 1, 8, 8), mode='train')
    with pytest.raises(ValueError, match=r'expects a \(N, C, H, W\) image batch, got \(1, 8, 8\)'):
        model(torch.rand(1, 8, 8), mode='tensor')
    with pytest.raises(ValueError, match=r'expects \(N, 1, H, W\)'):
        model(torch.rand(2, 3, 8, 8), mode='tensor')
    with pytest.raises(ValueError, match='gt_label'):
        model(torch.rand(2, 1, 8, 8), None, mode='loss')
    with pytest.raises(TypeError, match='num_classez'):
        _build(head=dict(type='LinearClassifierHead', num_classez=4, in_channels=16))
    with pytest.raises(KeyError, match='NoSuchBackbone'):
        _build(backbone=dict(type='NoSuchBackbone'))
