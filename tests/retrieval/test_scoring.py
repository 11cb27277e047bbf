"""Chunked exhaustive scoring and two-stage re-ranking against direct computation."""
import pytest
import torch

from mmx.retrieval.evaluation import exhaustive_scores, retrieval_recall, two_stage_scores
from mmx.retrieval.models import CAMPFusion, PooledCosineHead


def _data(num_img=6, num_txt=30, regions=4, length=6, dim=8):
    g = torch.Generator().manual_seed(0)
    v = torch.randn(num_img, regions, dim, generator=g)
    lengths = torch.randint(1, length + 1, (num_txt, ), generator=g)
    c = torch.randn(num_txt, length, dim, generator=g) * (torch.arange(length)[None, :, None] < lengths[:, None, None])
    return v, torch.ones(num_img, regions, dtype=torch.bool), c, lengths


def test_exhaustive_chunks_equal_one_block():
    torch.manual_seed(0)
    fusion = CAMPFusion(8)
    v, mask, c, lengths = _data()
    with torch.no_grad():
        direct = fusion(fusion.prepare_images(v, mask), fusion.prepare_texts(c, lengths))
    chunked = exhaustive_scores(fusion, v, mask, c, lengths, img_chunk=4, txt_chunk=7)
    torch.testing.assert_close(chunked, direct, rtol=0, atol=1e-5)


def test_two_stage_with_full_shortlist_is_exhaustive_and_counts_pairs():
    torch.manual_seed(0)
    fusion, head = CAMPFusion(8), PooledCosineHead(8)
    v, mask, c, lengths = _data()
    full = exhaustive_scores(fusion, v, mask, c, lengths)
    shortlist = exhaustive_scores(head, v, mask, c, lengths)
    out = two_stage_scores(fusion, shortlist, v, mask, c, lengths, topk=30, txt_chunk=8)
    assert out['num_pairs'] == 6 * 30
    torch.testing.assert_close(out['i2t'], full, rtol=0, atol=1e-5)
    small = two_stage_scores(fusion, shortlist, v, mask, c, lengths, topk=2)
    sel = shortlist.topk(2, dim=1)[1]
    # every image's two shortlisted captions carry the full scores and rank above all others
    torch.testing.assert_close(small['i2t'].gather(1, sel), full.gather(1, sel), rtol=0, atol=1e-5)
    assert (small['i2t'].topk(2, dim=1)[1].sort(1)[0] == sel.sort(1)[0]).all()
    # outside the shortlists the shortlist order is kept
    rest = ~torch.zeros_like(shortlist, dtype=torch.bool).scatter_(1, sel, True)
    row = small['i2t'][0][rest[0]]
    assert (row.argsort() == shortlist[0][rest[0]].argsort()).all()
    assert small['num_pairs'] <= 6 * 2 + 30 * 2
    assert retrieval_recall(small['i2t'], small['t2i'])['rsum'] >= 0


def test_bad_inputs():
    fusion = CAMPFusion(8)
    v, mask, c, lengths = _data()
    with pytest.raises(ValueError, match='caption features'):
        exhaustive_scores(fusion, v, mask, c[:, :, :, None], lengths)
    with pytest.raises(ValueError, match='nothing to score'):
        exhaustive_scores(fusion, v[:0], mask[:0], c, lengths)
    with pytest.raises(ValueError, match='shortlist'):
        two_stage_scores(fusion, torch.zeros(2, 2), v, mask, c, lengths)
