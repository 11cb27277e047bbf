"""The quantiser maths: round trips, stochastic rounding's unbiasedness, DSGC = brute force, DCLR's φ."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmx.cnn.int8 import (QMAX, clip_deviations, cosine_distance, dclr_lr_scale, dequantize, dsgc_candidate_ratios,
                       dsgc_search, fake_quantize, quantize, scale_from_clip)


def _heavy_tailed(n: int, seed: int) -> torch.Tensor:
    """A sharp, wide gradient-like sample: mostly small values, a few large ones, some exact zeros."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g) * torch.rand(n, generator=g).pow(6) * 10
    x[torch.rand(n, generator=g) < 0.3] = 0  # ReLU-masked entries
    return x


def test_round_trip_error_and_codes():
    x = torch.randn(1000) * 3
    scale = scale_from_clip(x.abs().amax())
    codes = quantize(x, scale)
    assert codes.dtype == torch.int8 and int(codes.abs().max()) == QMAX  # the max maps to 127
    back = dequantize(codes, scale)
    # within half a step everywhere (no clipping at clip = max)
    assert float((back - x).abs().max()) <= float(scale) / 2 * (1 + 1e-6)
    # re-quantising the dequantised values gives the same codes (idempotent)
    assert torch.equal(quantize(back, scale), codes)
    # the fused fake quantisation is the explicit round trip, bit for bit
    assert torch.equal(fake_quantize(x, scale), back)


def test_round_half_to_even_and_clamp():
    scale = torch.tensor(1.0)
    x = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 126.6, 300.0, -300.0])
    assert quantize(x, scale).tolist() == [0, 2, 2, 0, -2, 127, 127, -127]
    assert torch.equal(fake_quantize(x, scale), quantize(x, scale).float())


def test_zero_tensor_quantises_to_zero():
    x = torch.zeros(5)
    scale = scale_from_clip(x.abs().amax())
    assert float(scale) > 0
    assert not quantize(x, scale, stochastic=True).any()
    assert not fake_quantize(x, scale).any()


def test_stochastic_rounding_is_unbiased():
    scale = torch.tensor(0.1)
    # values between codes, including negatives and one beyond the clip (clamped, so biased by design)
    x = torch.tensor([0.03, -0.27, 1.234, 5.0, -7.77])
    n = 20000
    gen = torch.Generator().manual_seed(0)
    codes = quantize(x.expand(n, -1).contiguous(), scale, stochastic=True, generator=gen)
    mean = dequantize(codes, scale).mean(0)
    frac = (x / scale - torch.floor(x / scale))
    # standard error of the mean of a two-point distribution: scale * sqrt(p (1 - p) / n)
    tol = 5 * float(scale) * torch.sqrt(frac * (1 - frac) / n) + 1e-6
    assert torch.all((mean - x).abs() <= tol), (mean, x)
    # every draw is one of the two neighbouring codes
    lo = torch.floor(x / scale)
    assert torch.all((codes.float() == lo) | (codes.float() == lo + 1))
    # nearest rounding is biased on the same values (the test can fail)
    nearest = dequantize(quantize(x, scale), scale)
    assert (nearest - x).abs().max() > tol.max()


def test_stochastic_rounding_reproducible_with_generator():
    x = torch.randn(100)
    scale = scale_from_clip(x.abs().amax())
    a = quantize(x, scale, True, torch.Generator().manual_seed(3))
    b = quantize(x, scale, True, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_cosine_distance():
    a = torch.tensor([1.0, 0.0])
    assert float(cosine_distance(a, a)) == pytest.approx(0.0, abs=1e-7)
    assert float(cosine_distance(a, torch.tensor([0.0, 2.0]))) == pytest.approx(1.0)
    assert float(cosine_distance(a, -a)) == pytest.approx(2.0)
    assert float(cosine_distance(a, torch.zeros(2))) == 1.0


def _brute_force(g: torch.Tensor, clips: torch.Tensor) -> torch.Tensor:
    """The definition, one candidate at a time, in float64: d_c = 1 − cos(g, Q_c(g))."""
    out = []
    for c in clips:
        q = fake_quantize(g, scale_from_clip(c)).double()
        out.append(1 - F.cosine_similarity(g.double(), q, dim=0, eps=1e-300))
    return torch.stack(out)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_dsgc_search_equals_brute_force(seed):
    g = _heavy_tailed(3000, seed)
    ratios = dsgc_candidate_ratios(48, 0.01)
    clips = ratios * g.abs().amax()
    fast = clip_deviations(g, clips)
    slow = _brute_force(g, clips)
    torch.testing.assert_close(fast.double(), slow, atol=2e-6, rtol=1e-4)
    ratio, d = dsgc_search(g, ratios)
    best = int(torch.argmin(slow))
    # the same candidate, or one whose brute-force distance ties within float32 accuracy
    assert float(slow[torch.nonzero(ratios == ratio)[0, 0]]) <= float(slow[best]) + 1e-6
    assert float(d) == pytest.approx(float(slow[best]), abs=2e-6)


def test_dsgc_clips_an_outlier():
    """A wide bulk and one outlier: at clip = max the bulk gets coarse steps; clipping the outlier to about
    2/3 of the max gives a smaller cosine distance (about 0.016 against 0.023)."""
    g = torch.randn(100000, generator=torch.Generator().manual_seed(0))
    g[0] = 100.0
    ratios = dsgc_candidate_ratios(48, 0.01)
    ratio, d = dsgc_search(g, ratios)
    no_clip = float(clip_deviations(g, g.abs().amax().reshape(1)))
    assert 0.3 < float(ratio) < 0.9
    assert float(d) < no_clip - 0.005


def test_dsgc_search_chunks_give_the_same_result(monkeypatch):
    import mmx.cnn.int8.functional as functional
    g = _heavy_tailed(2000, 5)
    clips = dsgc_candidate_ratios(20) * g.abs().amax()
    whole = clip_deviations(g, clips)
    monkeypatch.setattr(functional, '_SEARCH_CHUNK_ELEMENTS', 3000)  # one candidate a chunk
    torch.testing.assert_close(clip_deviations(g, clips), whole)


def test_dsgc_search_of_degenerate_gradients():
    # all candidates tie: the largest clip (no clipping) is kept
    ratio, d = dsgc_search(torch.zeros(10), dsgc_candidate_ratios(4))
    assert float(d) == 1.0 and float(ratio) == 1.0
    ratio, d = dsgc_search(torch.tensor([0.0, -3.0, 0.0]), dsgc_candidate_ratios(4))
    assert float(d) == 0.0 and float(ratio) == 1.0


def test_candidate_ratios():
    r = dsgc_candidate_ratios(5, 0.01)
    torch.testing.assert_close(r, torch.tensor([0.01, 0.01**0.75, 0.1, 0.01**0.25, 1.0]))
    assert dsgc_candidate_ratios(1).tolist() == [1.0]
    with pytest.raises(ValueError, match='at least one candidate'):
        dsgc_candidate_ratios(0)
    with pytest.raises(ValueError, match='min_ratio'):
        dsgc_candidate_ratios(4, 0.0)


def test_dclr_lr_scale_values():
    # φ(d) = max(exp(−20 d), 0.1): the worked values of the paper notes
    assert dclr_lr_scale(0.0) == 1.0
    assert dclr_lr_scale(0.01) == pytest.approx(math.exp(-0.2))  # 0.8187
    assert dclr_lr_scale(0.05) == pytest.approx(math.exp(-1.0))  # 0.3679
    assert dclr_lr_scale(math.log(10) / 20 + 1e-3) == 0.1  # the floor β from d ≈ 0.115 on
    assert dclr_lr_scale(0.5) == 0.1
    assert dclr_lr_scale(0.05, alpha=10, beta=0.5) == 0.6065306597126334
