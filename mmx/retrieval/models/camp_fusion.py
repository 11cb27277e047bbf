"""CAMP's cross-modal message passing, gated fusion and matching score, vectorised over (image, caption) pairs.

`Wang et al., CAMP: Cross-Modal Adaptive Message Passing for Text-Image Retrieval, ICCV 2019
<https://arxiv.org/abs/1909.05506>`_; official code ``ZihaoWang-CV/CAMP_iccv19`` (``fusion_module.py``,
``GatedFusionNew``), whose model this follows (differences from the paper: ``configs/camp/README.md``).

Shape shorthand: I = images, T = captions in a block (every image is paired with every caption),
R = regions, L = tokens, D = joint size, H = attention heads of the aggregation (4).

Per pair (image regions V (R, D), caption tokens C (L, D)), with ``attn(Q, K, X) = softmax(QKᵀ/√D)·X``
over the unmasked keys, every linear without bias except the aggregation MLP and the score MLP::

    M_v = attn(Wq_i V, Wk_t C, C)            word message of every region      (R, D)
    M_c = attn(Wq_t C, Wk_i V, V)            region message of every word      (L, D)
    F_v = l2norm(attn(Uq_t M_v, Uk_t M_v, M_v))      self-attention over the received messages
    F_c = l2norm(attn(Uq_i M_c, Uk_i M_c, M_c))      (the code's second step, not in the paper)
    g_r = σ(<v_r, F_v,r>), h_w = σ(<c_w, F_c,w>)    one scalar gate per fragment
    V̂ = ReLU(W_1 (g ⊙ [V; F_v])) + V,  Ĉ = ReLU(W_2 (h ⊙ [C; F_c])) + C
    v* = l2norm(SummaryAttention(V̂)), c* = l2norm(SummaryAttention(Ĉ))
    logit = W_o2 ReLU(W_o1 [v*; c*] + b_o1) + b_o2,  score = σ(logit)

**Hoisting (exact).** The messages are attention-weighted sums of the *other* side's tokens, M_v = A_v C,
so every linear map of them is ``A_v (C Uᵀ)``: C Uᵀ depends on the caption alone and is computed once per
caption. The self-attention logits become ``A_v (Uq C)(Uk C)ᵀ A_vᵀ`` with an (L, L) matrix per caption,
and since the gates are scalars and W_1 has no bias, ``W_1 (g [v; f]) = g (W_1a v + W_1b f)`` with W_1a v
per image and W_1b f = (P C W_1bᵀ)/‖P C‖ per pair from a per-caption (L, D) product. What stays per pair is
O((R + L)·L·D) plus the aggregation MLP's O((R + L)·D²), instead of roughly 6 (R + L) D² for the naive
module. Padded caption positions are dropped from a block entirely (trimmed to its longest caption):
they are masked as keys everywhere and never reach the score.
"""
import math
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from .encoders import l2norm, masked_mean

__all__ = ['SummaryAttention', 'CAMPFusion', 'masked_softmax']

#: The score heads: ``'gated_fusion'`` (CAMP, ``GatedFusionNew``) and ``'cross_attention'`` (the
#: authors' stage-1 model ``CrossAttentionNew``: mean of the self-attended messages, cosine score).
HEADS = ('gated_fusion', 'cross_attention')


def masked_softmax(logits: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Softmax over the last dim with ``mask`` (broadcastable bool, True = valid) positions excluded.

    The official code fills masked logits with -1e9, which gives the same probabilities (exactly zero
    weight) as long as one key is valid; every caption and image has at least one valid token.
    """
    if mask is not None:
        logits = logits.masked_fill(~mask, float('-inf'))
    return logits.softmax(-1)


class SummaryAttention(nn.Module):
    """CAMP's aggregation (``SummaryAttn``): H attention distributions over the tokens from a 2-layer MLP,
    the H weighted sums averaged.

    Args:
        dim (int): D, token size.
        num_heads (int): H. Defaults to 4 as in the released model.
    """

    def __init__(self, dim: int, num_heads: int = 4):
        super().__init__()
        self.linear = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(inplace=True), nn.Linear(dim, num_heads))

    def weights(self, x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
        """Per-token weight, averaged over the heads.

        Args:
            x (Tensor): (..., N, D) tokens.
            mask (Tensor, optional): bool, broadcastable to (..., N), True = valid.

        Returns:
            Tensor: (..., N), sums to 1 over N.
        """
        logits = self.linear(x).transpose(-1, -2)  # (..., H, N)
        if mask is not None:
            mask = mask.unsqueeze(-2)
        return masked_softmax(logits, mask).mean(-2)

    def forward(self, x: torch.Tensor, mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """(..., N, D) tokens -> (..., D): the mean over heads of the attention-weighted sums."""
        return (self.weights(x, mask).unsqueeze(-1) * x).sum(-2)


class CAMPFusion(nn.Module):
    """Cross-modal adaptive message passing and the fused matching score of CAMP, for blocks of pairs.

    Parameter names follow the official ``GatedFusionNew``/``CrossAttentionNew`` (``img_key_fc``,
    ``weighted_txt_query_fc``, ``fc_1``, ``final_reduce_1``, ...), so a stage-1 (cross-attention)
    checkpoint loads into the stage-2 model by name.

    Args:
        dim (int): D, joint embedding size.
        num_heads (int): heads of the aggregation. Defaults to 4.
        head (str): ``'gated_fusion'`` (CAMP; default) or ``'cross_attention'`` (the stage-1 model of
            the released recipe: no gate/fusion/aggregation layers, masked mean of the self-attended
            messages, cosine score).
    """

    def __init__(self, dim: int, num_heads: int = 4, head: str = 'gated_fusion'):
        super().__init__()
        if head not in HEADS:
            raise ValueError(f'head must be one of {HEADS}, got {head!r}')
        self.dim, self.head = dim, head
        names = ('img_key_fc', 'txt_key_fc', 'img_query_fc', 'txt_query_fc', 'weighted_img_key_fc',
                 'weighted_txt_key_fc', 'weighted_img_query_fc', 'weighted_txt_query_fc')
        for name in names:
            setattr(self, name, nn.Linear(dim, dim, bias=False))
        bound = math.sqrt(6.0 / (2 * dim))  # the official init_weights: Xavier bound of a D x D layer
        init = [self.img_key_fc, self.txt_key_fc]
        if head == 'gated_fusion':
            self.fc_1 = nn.Linear(2 * dim, dim, bias=False)
            self.fc_2 = nn.Linear(2 * dim, dim, bias=False)
            self.fc_out = nn.Sequential(nn.Linear(2 * dim, dim), nn.ReLU(inplace=True), nn.Linear(dim, 1))
            self.final_reduce_1 = SummaryAttention(dim, num_heads)
            self.final_reduce_2 = SummaryAttention(dim, num_heads)
            init += [self.fc_1, self.fc_2, self.fc_out[0], self.fc_out[2]]
            nn.init.zeros_(self.fc_out[0].bias)
            nn.init.zeros_(self.fc_out[2].bias)
        for layer in init:
            nn.init.uniform_(layer.weight, -bound, bound)

    # ------------------------------------------------------------------ one side (hoisted) ----------
    def prepare_images(self, v: torch.Tensor, mask: Optional[torch.Tensor] = None) -> Dict[str, torch.Tensor]:
        """Everything of the pair computation that depends on the images alone.

        Args:
            v (Tensor): (I, R, D) region features.
            mask (Tensor, optional): (I, R) bool, True = valid region. None: all valid.

        Returns:
            dict[str, Tensor]: ``v``, ``mask``, ``q``/``k`` (I, R, D) cross-attention query/key,
            ``gram`` (I, R, R) self-attention logits of messages made of these regions (unscaled),
            and for the gated head ``fuse_self`` = W_1a v and ``fuse_msg`` = v W_2bᵀ (I, R, D).
        """
        ctx = dict(v=v, mask=mask, q=self.img_query_fc(v), k=self.img_key_fc(v))
        ctx['gram'] = self.weighted_img_query_fc(v) @ self.weighted_img_key_fc(v).transpose(1, 2)
        if self.head == 'gated_fusion':
            ctx['fuse_self'] = F.linear(v, self.fc_1.weight[:, :self.dim])
            ctx['fuse_msg'] = F.linear(v, self.fc_2.weight[:, self.dim:])
        return ctx

    def prepare_texts(self, c: torch.Tensor, lengths: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Everything of the pair computation that depends on the captions alone.

        Args:
            c (Tensor): (T, L, D) token features; trimmed here to the longest caption.
            lengths (Tensor): (T,) valid tokens per caption, >= 1.

        Returns:
            dict[str, Tensor]: as :meth:`prepare_images`, with ``mask`` (T, L') from the lengths.
        """
        max_len = int(lengths.max())
        c = c[:, :max_len]
        mask = torch.arange(max_len, device=c.device)[None] < lengths[:, None]
        ctx = dict(v=c, mask=mask, q=self.txt_query_fc(c), k=self.txt_key_fc(c))
        ctx['gram'] = self.weighted_txt_query_fc(c) @ self.weighted_txt_key_fc(c).transpose(1, 2)
        if self.head == 'gated_fusion':
            ctx['fuse_self'] = F.linear(c, self.fc_2.weight[:, :self.dim])
            ctx['fuse_msg'] = F.linear(c, self.fc_1.weight[:, self.dim:])
        return ctx

    # ------------------------------------------------------------------ pairs ------------------------
    def _side(self, own: dict, other: dict, reduce: Optional[SummaryAttention]) -> torch.Tensor:
        """The pooled vector of ``own``'s tokens for every (other, own) pair.

        Args:
            own (dict): contexts of A items with N tokens (the side being pooled).
            other (dict): contexts of B items with M tokens (the side sending messages).
            reduce (SummaryAttention, optional): aggregation of the gated head; None for the stage-1
                head (masked mean of the self-attended messages).

        Returns:
            Tensor: (B, A, D) L2-normalised pooled vectors.
        """
        num_a, num_n, dim = own['v'].shape
        num_b, num_m, _ = other['v'].shape
        scale = dim**-0.5
        # cross attention: own tokens query the other side's tokens -> (B, A*N, M)
        logits = (other['k'] @ own['q'].reshape(num_a * num_n, dim).t()).transpose(1, 2) * scale
        other_mask = None if other['mask'] is None else other['mask'][:, None, :]
        attn = masked_softmax(logits, other_mask)
        # self-attention among the received messages M = attn @ other.v, via the other side's gram
        attn_pairs = attn.reshape(num_b * num_a, num_n, num_m)
        self_logits = torch.bmm((attn @ other['gram']).reshape(num_b * num_a, num_n, num_m),
                                attn_pairs.transpose(1, 2)) * scale
        own_mask = None
        if own['mask'] is not None:
            own_mask = own['mask'][None].expand(num_b, -1, -1).reshape(num_b * num_a, 1, num_n)
        mix = torch.bmm(masked_softmax(self_logits, own_mask), attn_pairs).reshape(num_b, num_a * num_n, num_m)
        msg = mix @ other['v']  # (B, A*N, D) self-attended messages
        if reduce is None:
            pooled = masked_mean(msg.reshape(num_b * num_a, num_n, dim),
                                 None if own_mask is None else own_mask[:, 0])
            return l2norm(pooled).reshape(num_b, num_a, dim)
        inv_norm = 1.0 / (msg.norm(dim=-1, keepdim=True) + 1e-8)  # l2norm of the messages
        own_v = own['v'].reshape(1, num_a * num_n, dim)
        gate = torch.sigmoid((own_v * msg).sum(-1, keepdim=True) * inv_norm)
        fused = (mix @ other['fuse_msg']) * inv_norm + own['fuse_self'].reshape(1, num_a * num_n, dim)
        tokens = (F.relu(gate * fused) + own_v).reshape(num_b, num_a, num_n, dim)
        pool_mask = None if own['mask'] is None else own['mask'][None]
        return l2norm(reduce(tokens, pool_mask))

    def forward(self, images: Dict[str, torch.Tensor], texts: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Score every image of a block against every caption of a block.

        Args:
            images (dict): :meth:`prepare_images` of I images.
            texts (dict): :meth:`prepare_texts` of T captions.

        Returns:
            Tensor: (I, T) scores: logits of the matching probability for the gated head (the
            probability is their sigmoid), cosine similarities for the cross-attention head.
        """
        gated = self.head == 'gated_fusion'
        v_star = self._side(images, texts, self.final_reduce_1 if gated else None).transpose(0, 1)
        c_star = self._side(texts, images, self.final_reduce_2 if gated else None)
        if not gated:
            return (v_star * c_star).sum(-1)
        return self.fc_out(torch.cat([v_star, c_star], dim=-1)).squeeze(-1)

    # ------------------------------------------------------------------ reference ---------------------
    def naive_pair_score(self, v: torch.Tensor, c: torch.Tensor, img_mask: Optional[torch.Tensor] = None,
                         txt_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Score ONE pair the way the official module does, without any hoisting (reference and speed
        baseline; ``forward`` must agree with it).

        Args:
            v (Tensor): (R, D) regions. c (Tensor): (L, D) tokens, possibly padded.
            img_mask (Tensor, optional): (R,) bool. txt_mask (Tensor, optional): (L,) bool.

        Returns:
            Tensor: () the logit (gated head) or the cosine (cross-attention head).
        """
        def attn(q, k, x, mask):
            return masked_softmax(q @ k.t() / math.sqrt(self.dim), mask) @ x

        msg_v = attn(self.img_query_fc(v), self.txt_key_fc(c), c, txt_mask)
        msg_c = attn(self.txt_query_fc(c), self.img_key_fc(v), v, img_mask)
        self_v = attn(self.weighted_txt_query_fc(msg_v), self.weighted_txt_key_fc(msg_v), msg_v, img_mask)
        self_c = attn(self.weighted_img_query_fc(msg_c), self.weighted_img_key_fc(msg_c), msg_c, txt_mask)
        if self.head == 'cross_attention':
            v_star = l2norm(masked_mean(self_v[None], None if img_mask is None else img_mask[None])[0])
            c_star = l2norm(masked_mean(self_c[None], None if txt_mask is None else txt_mask[None])[0])
            return (v_star * c_star).sum()
        self_v, self_c = l2norm(self_v), l2norm(self_c)
        gate_v = torch.sigmoid((v * self_v).sum(-1, keepdim=True))
        gate_c = torch.sigmoid((c * self_c).sum(-1, keepdim=True))
        fused_v = F.relu(self.fc_1(torch.cat([v, self_v], -1) * gate_v)) + v
        fused_c = F.relu(self.fc_2(torch.cat([c, self_c], -1) * gate_c)) + c
        v_star = l2norm(self.final_reduce_1(fused_v, img_mask))
        c_star = l2norm(self.final_reduce_2(fused_c, txt_mask))
        return self.fc_out(torch.cat([v_star, c_star])).squeeze(-1)
