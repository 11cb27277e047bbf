"""The vectorised, hoisted pair scorer equals the naive per-pair module; masks; gradients; encoders."""
import pytest
import torch

from mmx.retrieval.models import CAMPFusion, GRUTextEncoder, PrecompImageEncoder, SummaryAttention


def _inputs(num_img=3, num_txt=4, regions=5, length=7, dim=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    v = torch.randn(num_img, regions, dim, generator=g, dtype=torch.double)
    c = torch.randn(num_txt, length, dim, generator=g, dtype=torch.double)
    lengths = torch.tensor([length, 3, 1, 5][:num_txt])
    c = c * (torch.arange(length)[None, :, None] < lengths[:, None, None])  # encoder zeros at padding
    img_mask = torch.ones(num_img, regions, dtype=torch.bool)
    img_mask[1, 3:] = False
    return v, img_mask, c, lengths


def _naive(fusion, v, img_mask, c, lengths):
    txt_mask = torch.arange(c.shape[1])[None] < lengths[:, None]
    return torch.stack([
        torch.stack([fusion.naive_pair_score(v[i], c[t], img_mask[i], txt_mask[t]) for t in range(len(c))])
        for i in range(len(v))
    ])


@pytest.mark.parametrize('head', ['gated_fusion', 'cross_attention'])
def test_block_scores_equal_naive_pairs(head):
    torch.manual_seed(0)
    fusion = CAMPFusion(16, head=head).double()
    v, img_mask, c, lengths = _inputs()
    fast = fusion(fusion.prepare_images(v, img_mask), fusion.prepare_texts(c, lengths))
    assert fast.shape == (3, 4)
    torch.testing.assert_close(fast, _naive(fusion, v, img_mask, c, lengths), rtol=0, atol=1e-12)


def test_padding_and_masked_regions_do_not_change_scores():
    torch.manual_seed(0)
    fusion = CAMPFusion(16).double()
    v, img_mask, c, lengths = _inputs()
    base = fusion(fusion.prepare_images(v, img_mask), fusion.prepare_texts(c, lengths))
    v2, c2 = v.clone(), c.clone()
    v2[1, 3:] = 100.0  # masked regions
    c2[1, 3:] = -50.0  # padded words
    changed = fusion(fusion.prepare_images(v2, img_mask), fusion.prepare_texts(c2, lengths))
    torch.testing.assert_close(base, changed, rtol=0, atol=1e-12)
    # an unmasked change does move the score
    v2[0, 0] += 1.0
    moved = fusion(fusion.prepare_images(v2, img_mask), fusion.prepare_texts(c2, lengths))
    assert (moved[0] - base[0]).abs().max() > 1e-6


def test_every_parameter_gets_a_gradient():
    torch.manual_seed(0)
    fusion = CAMPFusion(8)
    v, img_mask, c, lengths = (t.float() if t.is_floating_point() else t for t in _inputs(dim=8))
    fusion(fusion.prepare_images(v, img_mask), fusion.prepare_texts(c, lengths)).sum().backward()
    missing = [n for n, p in fusion.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


def test_cross_attention_head_has_no_fusion_layers_and_shares_names():
    stage1, stage2 = CAMPFusion(8, head='cross_attention'), CAMPFusion(8)
    assert not any(n.startswith(('fc_', 'final_reduce')) for n, _ in stage1.named_parameters())
    missing, unexpected = stage2.load_state_dict(stage1.state_dict(), strict=False)
    assert not unexpected and all(n.startswith(('fc_', 'final_reduce')) for n in missing)
    with pytest.raises(ValueError, match='head'):
        CAMPFusion(8, head='sum')


def test_summary_attention_is_mean_of_heads():
    torch.manual_seed(0)
    attn = SummaryAttention(6, num_heads=4)
    x = torch.randn(2, 5, 6)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], dtype=torch.bool)
    logits = attn.linear(x).transpose(1, 2).masked_fill(~mask[:, None], float('-inf'))
    expected = (logits.softmax(-1) @ x).mean(1)
    torch.testing.assert_close(attn(x, mask), expected)


def test_text_encoder_averages_directions_and_zeros_padding():
    torch.manual_seed(0)
    enc = GRUTextEncoder(20, 8, 6)
    tokens = torch.tensor([[1, 5, 6, 2, 0], [1, 7, 2, 0, 0]])
    out = enc(tokens, torch.tensor([4, 3]))
    assert out.shape == (2, 5, 6) and out[0, 4].abs().sum() == 0 and out[1, 3:].abs().sum() == 0
    # the first caption alone, unpadded, gives the same states (packing ignores padding)
    torch.testing.assert_close(out[0, :4], enc(tokens[:1, :4], torch.tensor([4]))[0])
    with pytest.raises(ValueError, match='lengths'):
        enc(tokens, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match='empty'):
        enc(tokens[:0], torch.tensor([], dtype=torch.long))


def test_word_vectors_file(tmp_path):
    import numpy as np
    weights = np.arange(20 * 4, dtype=np.float32).reshape(20, 4)
    np.save(tmp_path / 'w.npy', weights)
    enc = GRUTextEncoder(20, 4, 6, word_vectors=str(tmp_path / 'w.npy'))
    assert torch.equal(enc.embed.weight.data, torch.from_numpy(weights))
    with pytest.raises(ValueError, match='word vectors'):
        GRUTextEncoder(21, 4, 6, word_vectors=str(tmp_path / 'w.npy'))


def test_image_encoder_checks_feature_size():
    enc = PrecompImageEncoder(10, 4)
    assert enc(torch.randn(2, 3, 10)).shape == (2, 3, 4) and enc.fc.bias.abs().sum() == 0
    with pytest.raises(ValueError, match='region features'):
        enc(torch.randn(2, 3, 11))
