"""Region-feature and caption encoders of CAMP (and of the VSE dual-encoder baseline).

Shape shorthand: B = batch, R = regions per image, L = padded tokens per caption, F = region feature size
(2048 for bottom-up-attention features), D = joint embedding size (1024 in the paper), W = word vector size.
"""
import math
from typing import Optional

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = ['l2norm', 'masked_mean', 'lengths_to_mask', 'PrecompImageEncoder', 'GRUTextEncoder']


def l2norm(x: torch.Tensor, dim: int = -1, eps: float = 1e-8) -> torch.Tensor:
    """``x / (||x||_2 + eps)`` along ``dim``, the official code's normalisation (eps outside the root)."""
    return x / (x.norm(dim=dim, keepdim=True) + eps)


def lengths_to_mask(lengths: torch.Tensor, max_len: int) -> torch.Tensor:
    """(B,) lengths -> (B, max_len) bool mask, True on the first ``lengths[b]`` positions."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


def masked_mean(x: torch.Tensor, mask: Optional[torch.Tensor]) -> torch.Tensor:
    """Mean over dim 1 of (B, N, D) ``x`` counting only ``mask`` (B, N) positions (all if None)."""
    if mask is None:
        return x.mean(1)
    weights = mask.to(x.dtype)
    return (x * weights[..., None]).sum(1) / weights.sum(1, keepdim=True).clamp(min=1)


class PrecompImageEncoder(nn.Module):
    """Projects precomputed region features into the joint space (CAMP's ``EncoderImagePrecomp``).

    One ``Linear(F, D)``, Xavier-uniform weight and zero bias as in the official code, and no L2
    normalisation (``no_imgnorm: True`` in the released configs).

    Args:
        img_dim (int): F, size of a region feature. 2048 for BUTD features.
        embed_dim (int): D, joint embedding size.
        l2_normalize (bool): L2-normalise every projected region. Defaults to False.
    """

    def __init__(self, img_dim: int, embed_dim: int, l2_normalize: bool = False):
        super().__init__()
        self.fc = nn.Linear(img_dim, embed_dim)
        self.l2_normalize = l2_normalize
        bound = math.sqrt(6.0 / (img_dim + embed_dim))
        nn.init.uniform_(self.fc.weight, -bound, bound)
        nn.init.zeros_(self.fc.bias)

    def forward(self, regions: torch.Tensor) -> torch.Tensor:
        """(B, R, F) region features -> (B, R, D)."""
        if regions.dim() != 3 or regions.shape[-1] != self.fc.in_features:
            raise ValueError(f'expected region features of shape (B, R, {self.fc.in_features}), got '
                             f'{tuple(regions.shape)}')
        out = self.fc(regions)
        return l2norm(out) if self.l2_normalize else out


class GRUTextEncoder(nn.Module):
    """Word embeddings and a bi-directional GRU whose two directions are averaged (CAMP's ``EncoderText``).

    Each token comes out as a D-vector (the mean of the forward and backward states, not their
    concatenation); padded positions come out as zeros. No L2 normalisation, as in the released model.

    Args:
        vocab_size (int): number of words, special tokens included.
        word_dim (int): W, word embedding size (300 for word2vec).
        embed_dim (int): D, GRU hidden size = output size.
        num_layers (int): GRU layers. Defaults to 1.
        bidirectional (bool): average a backward GRU in. Defaults to True.
        word_vectors (str, optional): a ``.npy`` file with a float (vocab_size, word_dim) array to
            initialise the embeddings from (e.g. word2vec rows picked for the vocabulary). Without it the
            embeddings start uniform in [-0.1, 0.1], as in the official code.
    """

    def __init__(self,
                 vocab_size: int,
                 word_dim: int,
                 embed_dim: int,
                 num_layers: int = 1,
                 bidirectional: bool = True,
                 word_vectors: Optional[str] = None):
        super().__init__()
        if vocab_size < 5:
            raise ValueError(f'vocab_size must cover the 4 special tokens and some words, got {vocab_size}')
        self.embed = nn.Embedding(vocab_size, word_dim)
        self.rnn = nn.GRU(word_dim, embed_dim, num_layers, batch_first=True, bidirectional=bidirectional)
        self.bidirectional = bidirectional
        if word_vectors:
            weights = np.load(word_vectors, allow_pickle=False)
            if weights.shape != (vocab_size, word_dim) or not np.issubdtype(weights.dtype, np.floating):
                raise ValueError(f'word vectors in {word_vectors} must be a float ({vocab_size}, {word_dim}) '
                                 f'array, got {weights.dtype} {weights.shape}')
            self.embed.weight.data.copy_(torch.from_numpy(weights))
        else:
            nn.init.uniform_(self.embed.weight, -0.1, 0.1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Encode padded token ids.

        Args:
            tokens (Tensor): (B, L) int64 token ids, zero-padded.
            lengths (Tensor): (B,) number of valid tokens, 1..L.

        Returns:
            Tensor: (B, L, D) token features, zeros at padded positions.
        """
        if tokens.dim() != 2 or lengths.shape != tokens.shape[:1]:
            raise ValueError(f'expected tokens (B, L) and lengths (B,), got {tuple(tokens.shape)} and '
                             f'{tuple(lengths.shape)}')
        if tokens.shape[0] == 0:
            raise ValueError('GRUTextEncoder got an empty batch')
        if int(lengths.min()) < 1 or int(lengths.max()) > tokens.shape[1]:
            raise ValueError(f'caption lengths must lie in [1, {tokens.shape[1]}], got '
                             f'[{int(lengths.min())}, {int(lengths.max())}]')
        packed = pack_padded_sequence(
            self.embed(tokens), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        if self.bidirectional:
            forward, backward = out.chunk(2, dim=-1)
            out = (forward + backward) / 2
        return out
