"""TemporalInterlace and ResNetTemporalInterlace: mmaction2 ResNetTIN checkpoints load with no missing or
unexpected keys and give the same outputs and input gradients as mmaction2's own modules run with a
per-frame reference of ``tin_shift``; shift_div, offset_segments, dtypes, registry, bad input."""
import mmcv.ops
import pytest
import torch
from mmaction.models.backbones.resnet_tin import ResNetTIN
from mmaction.models.backbones.resnet_tin import TemporalInterlace as MMActionTemporalInterlace
from mmaction.registry import MODELS
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint, save_checkpoint

from mmx.action.backbones import ResNetTemporalInterlace, TemporalInterlace

T = 4  # frames per clip in these tests


def reference_tin_shift(data, shift):
    """mmcv's ``tin_shift`` forward, ``out[n, t + s, c] = in[n, t, c]`` (zeros where nothing lands), frame
    by frame in plain autograd, so that its gradient is the true adjoint. data: (N, T, C, HW), shift:
    (N, G) int."""
    n, t, c, _ = data.shape
    size = c // shift.shape[1]
    out = []
    for i in range(n):
        frames = []
        for frame in range(t):
            chunks = []
            for g in range(shift.shape[1]):
                source = frame - int(shift[i, g])
                chunk = data[i, source if 0 <= source < t else 0, g * size:(g + 1) * size]
                chunks.append(chunk if 0 <= source < t else torch.zeros_like(chunk))
            frames.append(torch.cat(chunks))
        out.append(torch.stack(frames))
    return torch.stack(out)


@pytest.fixture
def reference_shift(monkeypatch):
    """mmaction2's TIN modules run on a CPU, with the reference shift in place of mmcv's CUDA op."""
    monkeypatch.setattr(mmcv.ops, 'tin_shift', reference_tin_shift)


@pytest.fixture
def float64():
    """float64 by default: mmaction2's TemporalInterlace writes into a ``torch.zeros`` buffer of the default
    dtype, so ``.double()`` alone does not make it run in float64."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def randomise_interlace(model, seed=0):
    """Give every offset and weight net random parameters, so that offsets spread over (-2, 2), with
    fractional parts, and weights over (0, 2) (at init all offsets are +-0.5)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if 'net1.' in name:
                param.copy_(torch.randn(param.shape, generator=gen) * (2.0 if 'fc2' in name else 0.5))


def clips(n=2, size=32, seed=1):
    return torch.randn(n * T, 3, size, size, generator=torch.Generator().manual_seed(seed))


def mmaction_tin(**kwargs):
    model = ResNetTIN(18, num_segments=T, shift_div=4, pretrained2d=False, **kwargs)
    model.init_weights()
    randomise_interlace(model)
    return model


def test_mmaction_checkpoint_loads_unchanged(tmp_path):
    """A checkpoint saved from mmaction2's ResNetTIN (in a Recognizer2D, as released checkpoints are) loads
    strictly into a recognizer with our backbone: same keys, same shapes, same values."""
    cfg = dict(type='Recognizer2D', cls_head=dict(type='TSMHead', num_classes=5, in_channels=512,
                                                  num_segments=T))
    with DefaultScope.overwrite_default_scope('mmaction'):
        theirs = MODELS.build(dict(cfg, backbone=dict(type='ResNetTIN', depth=18, num_segments=T, shift_div=4,
                                                      pretrained2d=False)))
        ours = MODELS.build(dict(cfg, backbone=dict(type='ResNetTemporalInterlace', depth=18, num_segments=T,
                                                    pretrained2d=False)))
    theirs.init_weights()
    randomise_interlace(theirs)
    path = str(tmp_path / 'resnet_tin.pth')
    save_checkpoint(dict(meta=dict(note='made by mmaction2 ResNetTIN'), state_dict=theirs.state_dict()), path)
    their_keys = set(theirs.state_dict())
    assert any('conv1.conv.net1.offset_net.fc2.bias' in k for k in their_keys)
    assert set(ours.state_dict()) == their_keys
    result = ours.load_state_dict(torch.load(path, weights_only=True)['state_dict'], strict=True)
    assert not result.missing_keys and not result.unexpected_keys
    load_checkpoint(ours, path, strict=True)  # mmengine's loader, as load_from does
    for key, value in theirs.state_dict().items():
        assert torch.equal(ours.state_dict()[key], value), key


@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_same_outputs_and_input_gradients_as_mmaction(reference_shift, float64, mode):
    """In float64, so that the comparison is of the maths, not of float32 summation orders (the
    descriptor's mean, BN statistics)."""
    theirs = mmaction_tin()
    ours = ResNetTemporalInterlace(18, num_segments=T, pretrained2d=False)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    getattr(theirs, mode)()
    getattr(ours, mode)()
    x_theirs = clips().requires_grad_()
    x_ours = x_theirs.detach().clone().requires_grad_()
    y_theirs, y_ours = theirs(x_theirs), ours(x_ours)
    torch.testing.assert_close(y_ours, y_theirs, atol=1e-9, rtol=1e-9)
    grad = torch.randn_like(y_ours)
    y_theirs.backward(grad)
    y_ours.backward(grad)
    torch.testing.assert_close(x_ours.grad, x_theirs.grad, atol=1e-9, rtol=1e-9)
    for (name, p_ours), p_theirs in zip(ours.named_parameters(), theirs.parameters()):
        torch.testing.assert_close(p_ours.grad, p_theirs.grad, atol=1e-9, rtol=1e-9, msg=lambda m: f'{name}: {m}')


def test_module_matches_mmaction_module_with_large_offsets(reference_shift, float64):
    """One module, offsets pushed towards +-2 frames and several channel maps: same output as mmaction2's
    (in float32 the two differ by up to 4e-4 here: the descriptor's summation orders differ by 1e-6 and
    these random offset nets amplify that)."""
    theirs = MMActionTemporalInterlace(32, num_segments=8, shift_div=4)
    ours = TemporalInterlace(32, num_segments=8, shift_div=4)
    randomise_interlace(torch.nn.ModuleDict(dict(net1=theirs)), seed=3)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = 3 * torch.randn(3 * 8, 32, 5, 4, generator=torch.Generator().manual_seed(4))
    offset, weight = ours.predict(x[:, :8].reshape(3, 8, 8, 20).mean(-1).transpose(1, 2))
    assert offset.abs().max() > 1 and (offset - offset.round()).abs().max() > 0.1
    assert offset.shape == (3, 4) and weight.shape == (3, 8, 4)
    torch.testing.assert_close(ours(x), theirs(x), atol=1e-10, rtol=1e-10)


def test_paper_operator_by_hand():
    """Offsets and weights from the nets, then the paper's formula written out per channel group."""
    module = TemporalInterlace(16, num_segments=3, shift_div=2)  # 8 channels in 4 groups of 2
    randomise_interlace(torch.nn.ModuleDict(dict(net1=module)), seed=5)
    x = torch.randn(2 * 3, 16, 2, 2, dtype=torch.float64)
    module.double()
    with torch.no_grad():
        out = module(x)
        offset, weight = module.predict(x[:, :8].reshape(2, 3, 8, 4).mean(-1).transpose(1, 2))
    assert torch.equal(offset[:, 2:], -offset[:, :2]) and torch.equal(weight[..., 2:], weight[..., :2])
    clip = x.view(2, 3, 16, 2, 2)
    for n in range(2):
        for t in range(3):
            for c in range(8):
                g = c // 2
                s = float(offset[n, g])
                s0 = int(torch.floor(offset[n, g]))
                lam = s - s0
                value = torch.zeros(2, 2, dtype=torch.float64)
                for source, share in ((t - s0, 1 - lam), (t - s0 - 1, lam)):
                    if 0 <= source < 3:
                        value = value + share * clip[n, source, c]
                expected = weight[n, t, g] * value
                torch.testing.assert_close(out[n * 3 + t, c], expected)
    torch.testing.assert_close(out[:, 8:], x[:, 8:])  # the other channels pass unchanged


def test_initial_offsets_and_weights():
    """fc2's bias 0.5108 = logit(0.625): offsets start near +-0.5 frame (range (-2, 2)); weights near 1."""
    module = TemporalInterlace(16, num_segments=8)
    with torch.no_grad():
        module.offset_net.fc2.weight.zero_()
        module.weight_net.conv.weight.zero_()
    offset, weight = module.predict(torch.randn(2, 4, 8))
    torch.testing.assert_close(offset, torch.tensor([[0.5, 0.5, -0.5, -0.5]] * 2), atol=1e-4, rtol=0)
    torch.testing.assert_close(weight, torch.ones(2, 8, 4))


def test_shift_div_defaults_to_the_papers_quarter():
    assert ResNetTemporalInterlace(18, pretrained2d=False).shift_div == 4
    assert ResNetTIN(18, pretrained2d=False).shift_div == 8  # mmaction2's inherited default (upstream defect)
    block = ResNetTemporalInterlace(18, pretrained2d=False).layer1[0]
    assert block.conv1.conv.net1.offset_net.conv.in_channels == 64 // 4


def test_offset_segments_decouples_the_clip_length(reference_shift):
    """offset_segments = T computes what the default computes; the same weights then run on 2T frames."""
    default = ResNetTemporalInterlace(18, num_segments=T, pretrained2d=False)
    randomise_interlace(default)
    fixed = ResNetTemporalInterlace(18, num_segments=T, offset_segments=T, pretrained2d=False)
    fixed.load_state_dict(default.state_dict(), strict=True)
    default.eval()
    fixed.eval()
    x = clips()
    torch.testing.assert_close(fixed(x), default(x))
    longer = ResNetTemporalInterlace(18, num_segments=2 * T, offset_segments=T, pretrained2d=False)
    longer.load_state_dict(default.state_dict(), strict=True)
    longer.eval()
    assert longer(clips(n=2)).shape[0] == 2 * T
    with pytest.raises(RuntimeError):
        ResNetTemporalInterlace(18, num_segments=2 * T, pretrained2d=False).load_state_dict(default.state_dict())


def test_every_parameter_gets_a_gradient():
    """Every parameter is in the graph, and every offset and weight net receives a gradient (its first
    layers may not, in a block where fc1's ReLU happens to be closed for the whole batch)."""
    model = ResNetTemporalInterlace(18, num_segments=T, pretrained2d=False)
    model.init_weights()
    model(clips()).square().mean().backward()
    unused = [name for name, p in model.named_parameters() if p.grad is None]
    assert not unused, f'not in the graph: {unused}'
    dead = [name for name, p in model.named_parameters()
            if ('fc2.bias' in name or 'weight_net.conv' in name or 'net1' not in name) and not p.grad.abs().sum() > 0]
    assert not dead, f'zero gradient: {dead}'


def test_keeps_the_dtype_under_autocast():
    model = ResNetTemporalInterlace(18, num_segments=T, pretrained2d=False)
    model.init_weights()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = model.layer1[0].conv1.conv.net1(torch.randn(T, 64, 4, 4, dtype=torch.bfloat16))
    assert out.dtype == torch.bfloat16
    assert model.double()(clips().double()).dtype == torch.float64


def test_registered_under_its_own_name():
    assert MODELS.get('ResNetTemporalInterlace') is ResNetTemporalInterlace
    assert MODELS.get('ResNetTIN') is ResNetTIN  # mmaction2's name is left alone
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(dict(type='ResNetTemporalInterlace', depth=18, num_segments=T, shift_div=8,
                                  deform_groups=1, pretrained2d=False))
    assert isinstance(model, ResNetTIN)  # a drop-in: everything that accepts ResNetTIN accepts it
    assert model.layer1[0].conv1.conv.net1.offset_net.fc2.out_features == 1


@pytest.mark.parametrize('kwargs,message', [
    (dict(in_channels=24, shift_div=4), 'do not split'),  # 6 channels, 4 groups
    (dict(in_channels=16, shift_div=32), 'do not split'),
    (dict(in_channels=16, num_segments=0), 'must be positive'),
])
def test_bad_arguments_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TemporalInterlace(**kwargs)


def test_bad_input_shape_is_named():
    module = TemporalInterlace(16, num_segments=8)
    with pytest.raises(ValueError, match=r'expected \(N \* 8, 16, H, W\)'):
        module(torch.zeros(12, 16, 2, 2))  # 12 frames are not whole clips of 8
    with pytest.raises(ValueError, match='expected'):
        module(torch.zeros(8, 32, 2, 2))
