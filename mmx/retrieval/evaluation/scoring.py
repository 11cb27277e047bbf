"""Score every (image, caption) pair of a test set in vectorised blocks, exhaustively or in two stages.

A *scorer* is any object with

* ``prepare_images(feats (N, R, D), mask (N, R) | None) -> dict`` and
  ``prepare_texts(feats (M, L, D), lengths (M,)) -> dict``: the work that depends on one side only,
  done once per image / per caption (tensors with the item on dim 0);
* ``__call__(images: dict, texts: dict) -> (I, T)``: the scores of every image of a block against every
  caption of a block.

:class:`~mmx.retrieval.models.CAMPFusion` and the pooled-cosine heads are scorers. Captions are scored in
chunks sorted by length, so each chunk is trimmed to its longest caption. Under ``torch.distributed``
every rank scores its share of the caption chunks and the blocks are summed across ranks.
"""
from typing import Callable, Dict, Optional

import torch
import torch.distributed as torch_dist
from mmengine.dist import get_dist_info
from mmengine.utils import ProgressBar

__all__ = ['slice_context', 'exhaustive_scores', 'two_stage_scores']


def slice_context(ctx: Dict[str, Optional[torch.Tensor]], index) -> Dict[str, Optional[torch.Tensor]]:
    """Select items (dim 0) of every tensor of a prepared context."""
    return {k: (v[index] if isinstance(v, torch.Tensor) else v) for k, v in ctx.items()}


def _check_inputs(img_feats, img_mask, txt_feats, txt_lengths):
    if img_feats.dim() != 3 or txt_feats.dim() != 3 or txt_lengths.shape != txt_feats.shape[:1]:
        raise ValueError('expected image features (N, R, D), caption features (M, L, D) and lengths (M,), '
                         f'got {tuple(img_feats.shape)}, {tuple(txt_feats.shape)}, {tuple(txt_lengths.shape)}')
    if img_mask is not None and img_mask.shape != img_feats.shape[:2]:
        raise ValueError(f'image mask must be (N, R) = {tuple(img_feats.shape[:2])}, got {tuple(img_mask.shape)}')
    if len(img_feats) == 0 or len(txt_feats) == 0:
        raise ValueError('nothing to score: no images or no captions')


def _caption_chunks(txt_lengths: torch.Tensor, chunk: int):
    order = torch.sort(txt_lengths.cpu(), stable=True)[1]
    chunks = list(torch.split(order, chunk))
    rank, world = get_dist_info()
    return chunks[rank::world], world, rank


def _sum_across_ranks(tensor: torch.Tensor, world: int) -> torch.Tensor:
    if world > 1:
        torch_dist.all_reduce(tensor)
    return tensor


@torch.no_grad()
def exhaustive_scores(scorer: Callable, img_feats: torch.Tensor, img_mask: Optional[torch.Tensor],
                      txt_feats: torch.Tensor, txt_lengths: torch.Tensor, img_chunk: int = 128,
                      txt_chunk: int = 128, progress: bool = False) -> torch.Tensor:
    """Score all N x M pairs with ``scorer``, ``img_chunk`` x ``txt_chunk`` pairs at a time.

    Args:
        scorer: see the module docstring.
        img_feats (Tensor): (N, R, D). img_mask (Tensor, optional): (N, R) bool.
        txt_feats (Tensor): (M, L, D). txt_lengths (Tensor): (M,).
        img_chunk, txt_chunk (int): block size; memory grows with their product.
        progress (bool): show a progress bar over the caption chunks.

    Returns:
        Tensor: (N, M) float32 scores.
    """
    _check_inputs(img_feats, img_mask, txt_feats, txt_lengths)
    images = scorer.prepare_images(img_feats, img_mask)
    chunks, world, rank = _caption_chunks(txt_lengths, txt_chunk)
    out = torch.zeros(len(img_feats), len(txt_feats), device=img_feats.device)
    bar = ProgressBar(len(chunks)) if progress and rank == 0 else None
    for cols in chunks:
        cols = cols.to(txt_feats.device)
        texts = scorer.prepare_texts(txt_feats[cols], txt_lengths[cols])
        for start in range(0, len(img_feats), img_chunk):
            rows = slice(start, start + img_chunk)
            out[rows, cols] = scorer(slice_context(images, rows), texts).float()
        if bar is not None:
            bar.update()
    return _sum_across_ranks(out, world)


@torch.no_grad()
def two_stage_scores(scorer: Callable, shortlist: torch.Tensor, img_feats: torch.Tensor,
                     img_mask: Optional[torch.Tensor], txt_feats: torch.Tensor, txt_lengths: torch.Tensor,
                     topk: int = 128, txt_chunk: int = 128, progress: bool = False) -> Dict[str, torch.Tensor]:
    """Re-rank the ``topk`` best candidates of every query of a cheap ``shortlist`` matrix with ``scorer``
    (the BLIP pattern): the top-k captions of every image (i2t) and the top-k images of every caption
    (t2i). A pair in both shortlists is scored once.

    In the returned matrices the re-ranked candidates of a query come first, in ``scorer`` order, and the
    others follow in shortlist order.

    Args:
        scorer: see the module docstring. shortlist (Tensor): (N, M) cheap scores.
        img_feats, img_mask, txt_feats, txt_lengths: as :func:`exhaustive_scores`.
        topk (int): candidates per query (clipped to N or M). Defaults to 128.
        txt_chunk (int): captions prepared at once. Defaults to 128.
        progress (bool): show a progress bar over the caption chunks.

    Returns:
        dict: ``i2t`` and ``t2i`` (N, M) scores, ``num_pairs`` () pairs scored by ``scorer``.
    """
    _check_inputs(img_feats, img_mask, txt_feats, txt_lengths)
    num_img, num_txt = len(img_feats), len(txt_feats)
    if shortlist.shape != (num_img, num_txt):
        raise ValueError(f'shortlist must be ({num_img}, {num_txt}), got {tuple(shortlist.shape)}')
    if topk < 1:
        raise ValueError(f'topk must be >= 1, got {topk}')
    shortlist = shortlist.float()
    sel_i2t = torch.zeros_like(shortlist, dtype=torch.bool)
    sel_i2t.scatter_(1, shortlist.topk(min(topk, num_txt), dim=1)[1], True)
    sel_t2i = torch.zeros_like(shortlist, dtype=torch.bool)
    sel_t2i.scatter_(0, shortlist.topk(min(topk, num_img), dim=0)[1], True)
    selected = sel_i2t | sel_t2i
    images = scorer.prepare_images(img_feats, img_mask)
    chunks, world, rank = _caption_chunks(txt_lengths, txt_chunk)
    rerank = torch.zeros_like(shortlist)
    bar = ProgressBar(len(chunks)) if progress and rank == 0 else None
    for cols in chunks:
        cols = cols.to(txt_feats.device)
        texts = scorer.prepare_texts(txt_feats[cols], txt_lengths[cols])
        for j, col in enumerate(cols.tolist()):
            rows = selected[:, col].nonzero()[:, 0]
            rerank[rows, col] = scorer(slice_context(images, rows), slice_context(texts, slice(j, j + 1)))[:, 0]
        if bar is not None:
            bar.update()
    rerank = _sum_across_ranks(rerank, world)
    # below every re-ranked score, keeping the shortlist order among the rest
    floor = rerank[selected].min() - 1 - (shortlist.max() - shortlist)
    result = {}
    for name, sel in (('i2t', sel_i2t), ('t2i', sel_t2i)):
        result[name] = torch.where(sel, rerank, floor)
    result['num_pairs'] = selected.sum()
    return result
