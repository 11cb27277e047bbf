"""CAMP and the VSE dual-encoder baseline as mmengine models (train with ``loss``, evaluate with the
retrieval loops of :mod:`mmx.retrieval.evaluation.loops`)."""
from typing import Dict, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModel

from mmx.registry import MODELS
from ..evaluation.scoring import exhaustive_scores, two_stage_scores
from .camp_fusion import CAMPFusion
from .encoders import GRUTextEncoder, PrecompImageEncoder, l2norm, lengths_to_mask, masked_mean

__all__ = ['PooledCosineHead', 'CAMP', 'VSEDualEncoder']


class PooledCosineHead(nn.Module):
    """Dual-encoder similarity: masked mean of the tokens of each side, optional linear projection,
    L2 norm, cosine. A scorer in the sense of :mod:`mmx.retrieval.evaluation.scoring`.

    Args:
        dim (int): D. project (bool): add a ``Linear(D, D)`` per side. Defaults to False.
        detach (bool): stop gradients into the encoders (a shortlist head trained beside CAMP without
            changing CAMP's own training). Defaults to False.
    """

    def __init__(self, dim: int, project: bool = False, detach: bool = False):
        super().__init__()
        self.detach = detach
        self.img_proj = nn.Linear(dim, dim) if project else nn.Identity()
        self.txt_proj = nn.Linear(dim, dim) if project else nn.Identity()

    def _embed(self, feats, mask, proj):
        feats = feats.detach() if self.detach else feats
        return dict(emb=l2norm(proj(masked_mean(feats, mask))))

    def prepare_images(self, feats: torch.Tensor, mask: Optional[torch.Tensor] = None) -> dict:
        """(N, R, D) -> dict(emb=(N, D))."""
        return self._embed(feats, mask, self.img_proj)

    def prepare_texts(self, feats: torch.Tensor, lengths: torch.Tensor) -> dict:
        """(M, L, D), (M,) -> dict(emb=(M, D))."""
        return self._embed(feats, lengths_to_mask(lengths, feats.shape[1]), self.txt_proj)

    def forward(self, images: dict, texts: dict) -> torch.Tensor:
        """(I, T) cosine similarities."""
        return images['emb'] @ texts['emb'].t()


class _Retriever(BaseModel):
    """Shared encoders, data contract and evaluation of the retrieval models.

    Batches (from :class:`~mmx.retrieval.datasets.PrecompRetrievalDataset` and ``default_collate``)::

        inputs = dict(regions=(B, R, F), tokens=(B, L) or (B, K, L), lengths=(B,) or (B, K)
                      [, num_regions=(B,)])      # num_regions: valid regions when R is padded
        data_samples = dict(img_idx=(B,) [, cap_idx=(B,)])
    """

    def __init__(self, vocab_size: int, img_dim: int, word_dim: int, embed_dim: int, num_gru_layers: int,
                 word_vectors: Optional[str], eval_cfg: Optional[dict], data_preprocessor: Optional[dict],
                 init_cfg: Optional[Union[dict, List[dict]]]):
        super().__init__(data_preprocessor=data_preprocessor or dict(type='BaseDataPreprocessor'),
                         init_cfg=init_cfg)
        self.img_enc = PrecompImageEncoder(img_dim, embed_dim)
        self.txt_enc = GRUTextEncoder(vocab_size, word_dim, embed_dim, num_gru_layers, word_vectors=word_vectors)
        self.eval_cfg = dict(img_chunk=128, txt_chunk=128, topk=None)
        unknown = set(eval_cfg or {}) - set(self.eval_cfg)
        if unknown:
            raise KeyError(f'unknown eval_cfg keys {sorted(unknown)}; allowed: {sorted(self.eval_cfg)}')
        self.eval_cfg.update(eval_cfg or {})

    # ------------------------------------------------------------------ encoding ----------------------
    def encode(self, inputs: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
        """Encode both sides of a batch.

        Returns:
            dict: ``img_feats`` (B, R, D), ``img_mask`` (B, R) bool, ``txt_feats`` (B, L, D) or
            (B, K, L, D), ``txt_lengths`` (B,) or (B, K).
        """
        missing = {'regions', 'tokens', 'lengths'} - set(inputs)
        if missing:
            raise KeyError(f'retrieval inputs need {sorted(missing)}, got {sorted(inputs)}')
        regions, tokens, lengths = inputs['regions'], inputs['tokens'], inputs['lengths']
        if tokens.shape[:-1] != lengths.shape or tokens.shape[0] != regions.shape[0]:
            raise ValueError(f'tokens {tuple(tokens.shape)}, lengths {tuple(lengths.shape)} and regions '
                             f'{tuple(regions.shape)} do not describe one batch')
        img = self.img_enc(regions.float())
        num_regions = inputs.get('num_regions')
        mask = (lengths_to_mask(num_regions, img.shape[1]) if num_regions is not None else
                torch.ones(img.shape[:2], dtype=torch.bool, device=img.device))
        txt = self.txt_enc(tokens.reshape(-1, tokens.shape[-1]), lengths.reshape(-1))
        return dict(img_feats=img, img_mask=mask, txt_feats=txt.reshape(*tokens.shape, -1), txt_lengths=lengths)

    def _batch_scores(self, feats: dict) -> torch.Tensor:
        """(B, B) training scores of every image of the batch against every caption."""
        scorer = self.scorer()
        return scorer(scorer.prepare_images(feats['img_feats'], feats['img_mask']),
                      scorer.prepare_texts(feats['txt_feats'], feats['txt_lengths']))

    def forward(self, inputs: Dict[str, torch.Tensor], data_samples: Optional[dict] = None,
                mode: str = 'tensor') -> Dict[str, torch.Tensor]:
        """``'loss'``: dict of losses of the batch (image b with caption b are the positives; pairs of the
        same ``img_idx`` are never negatives). ``'tensor'``: :meth:`encode` plus ``img_idx``."""
        if mode == 'loss':
            if inputs['tokens'].dim() != 2:
                raise ValueError('training batches hold one caption per item: tokens (B, L)')
            feats = self.encode(inputs)
            img_idx = None if data_samples is None else data_samples.get('img_idx')
            pos_mask = None if img_idx is None else img_idx[:, None] == img_idx[None, :]
            return self.losses(feats, pos_mask)
        if mode == 'tensor':
            feats = self.encode(inputs)
            if data_samples is not None and 'img_idx' in data_samples:
                feats['img_idx'] = data_samples['img_idx']
            return feats
        raise ValueError(f"retrieval models run in mode 'loss' or 'tensor' (scores need the whole test set: "
                         f"see predict_all), got {mode!r}")

    def val_step(self, data: dict) -> Dict[str, torch.Tensor]:
        return self._run_forward(self.data_preprocessor(data, False), mode='tensor')

    test_step = val_step

    # ------------------------------------------------------------------ test-set scoring --------------
    def predict_all(self, feats: Dict[str, torch.Tensor], progress: bool = False) -> Dict[str, torch.Tensor]:
        """Score a whole test set.

        Args:
            feats (dict): the ``'tensor'`` outputs of all N images in order, concatenated:
                ``img_feats`` (N, R, D), ``img_mask`` (N, R), ``txt_feats`` (N, K, L, D),
                ``txt_lengths`` (N, K).
            progress (bool): progress bar.

        Returns:
            dict: ``i2t`` and ``t2i`` (N, N*K) scores (the same tensor unless two-stage), and
            ``num_pairs`` scored by the full model.
        """
        txt = feats['txt_feats'].flatten(0, 1)
        lengths = feats['txt_lengths'].flatten()
        args = (feats['img_feats'], feats['img_mask'], txt, lengths)
        cfg = self.eval_cfg
        shortlister = self.shortlister()
        if cfg['topk'] is None or shortlister is None:
            scores = exhaustive_scores(self.scorer(), *args, cfg['img_chunk'], cfg['txt_chunk'], progress)
            return dict(i2t=scores, t2i=scores, num_pairs=torch.tensor(scores.numel()))
        shortlist = exhaustive_scores(shortlister, *args, cfg['img_chunk'], cfg['txt_chunk'])
        return two_stage_scores(self.scorer(), shortlist, *args, cfg['topk'], cfg['txt_chunk'], progress)

    def scorer(self) -> nn.Module:
        raise NotImplementedError

    def shortlister(self) -> Optional[nn.Module]:
        return None

    def losses(self, feats: dict, pos_mask: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
        raise NotImplementedError


@MODELS.register_module()
class CAMP(_Retriever):
    """CAMP: Cross-Modal Adaptive Message Passing for text-image retrieval.

    `Wang et al., ICCV 2019 <https://arxiv.org/abs/1909.05506>`_, following the released model
    (``ZihaoWang-CV/CAMP_iccv19``): a linear projection of the region features, word embeddings and a
    bi-GRU with averaged directions, one round of cross-modal message passing with a self-attention over
    the messages, scalar gates, fusion, 4-head attention pooling and an MLP score
    (:class:`~mmx.retrieval.models.CAMPFusion`), trained with the hardest-negative BCE.

    Args:
        vocab_size (int): vocabulary size (special tokens included).
        img_dim (int): F. Defaults to 2048. word_dim (int): W. Defaults to 300.
        embed_dim (int): D. Defaults to 1024. num_heads (int): aggregation heads. Defaults to 4.
        head (str): ``'gated_fusion'`` (CAMP) or ``'cross_attention'`` (stage 1 of the released recipe).
        num_gru_layers (int): Defaults to 1.
        word_vectors (str, optional): ``.npy`` (vocab_size, W) initial word embeddings.
        loss (dict): matching loss on the (B, B) scores. Defaults to
            ``HardestNegativeBCELoss(from_logits=True)`` (use ``from_logits=False`` for the cosine head).
        shortlist_head (dict, optional): ``dict(loss=dict(type='VSEHingeLoss'))`` adds a
            :class:`PooledCosineHead` with projections on *detached* encoder outputs, trained with that
            loss, for two-stage evaluation; it leaves CAMP's gradients unchanged. Defaults to None.
        frozen (Sequence[str]): parameter-name prefixes to freeze, e.g. the released stage 2 trains only
            ``fusion.fc_1/fc_2/fc_out/final_reduce_*``. Defaults to none.
        eval_cfg (dict, optional): ``img_chunk``, ``txt_chunk`` (block size) and ``topk`` (None:
            exhaustive; k: two-stage with the shortlist head).
        data_preprocessor (dict, optional): Defaults to ``BaseDataPreprocessor`` (moves to the device).
        init_cfg (dict, optional): Defaults to the official initialisation done in the modules.
    """

    def __init__(self,
                 vocab_size: int,
                 img_dim: int = 2048,
                 word_dim: int = 300,
                 embed_dim: int = 1024,
                 num_heads: int = 4,
                 head: str = 'gated_fusion',
                 num_gru_layers: int = 1,
                 word_vectors: Optional[str] = None,
                 loss: Optional[dict] = None,
                 shortlist_head: Optional[dict] = None,
                 frozen: Sequence[str] = (),
                 eval_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(vocab_size, img_dim, word_dim, embed_dim, num_gru_layers, word_vectors, eval_cfg,
                         data_preprocessor, init_cfg)
        self.fusion = CAMPFusion(embed_dim, num_heads, head)
        self.loss_match = MODELS.build(loss or dict(type='HardestNegativeBCELoss', from_logits=True))
        self.shortlist_head, self.loss_shortlist = None, None
        if shortlist_head is not None:
            unknown = set(shortlist_head) - {'loss'}
            if unknown:
                raise KeyError(f'shortlist_head accepts only "loss", got {sorted(unknown)}')
            self.shortlist_head = PooledCosineHead(embed_dim, project=True, detach=True)
            self.loss_shortlist = MODELS.build(shortlist_head.get('loss', dict(type='VSEHingeLoss')))
        self.frozen = tuple(frozen)
        for prefix in self.frozen:
            params = [p for n, p in self.named_parameters() if n == prefix or n.startswith(prefix + '.')]
            if not params:
                raise ValueError(f'frozen prefix {prefix!r} matches no parameter of CAMP')
            for p in params:
                p.requires_grad_(False)

    def scorer(self) -> nn.Module:
        return self.fusion

    def shortlister(self) -> Optional[nn.Module]:
        return self.shortlist_head

    def losses(self, feats: dict, pos_mask: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
        losses = dict(loss_match=self.loss_match(self._batch_scores(feats), pos_mask))
        if self.shortlist_head is not None:
            head = self.shortlist_head
            scores = head(head.prepare_images(feats['img_feats'], feats['img_mask']),
                          head.prepare_texts(feats['txt_feats'], feats['txt_lengths']))
            losses['loss_shortlist'] = self.loss_shortlist(scores, pos_mask)
        return losses


@MODELS.register_module()
class VSEDualEncoder(_Retriever):
    """The dual-encoder (VSE-style) baseline: CAMP's encoders, masked mean pooling of the regions and of
    the words, L2 norm, cosine similarity, VSE++ hinge with hardest negatives (`Faghri et al., BMVC 2018
    <https://arxiv.org/abs/1707.05612>`_). Images and captions never interact before the score.

    Args:
        vocab_size, img_dim, word_dim, embed_dim, num_gru_layers, word_vectors, eval_cfg,
        data_preprocessor, init_cfg: as :class:`CAMP` (``eval_cfg['topk']`` is ignored).
        loss (dict): Defaults to ``VSEHingeLoss(margin=0.2, max_violation=True)``.
    """

    def __init__(self,
                 vocab_size: int,
                 img_dim: int = 2048,
                 word_dim: int = 300,
                 embed_dim: int = 1024,
                 num_gru_layers: int = 1,
                 word_vectors: Optional[str] = None,
                 loss: Optional[dict] = None,
                 eval_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        super().__init__(vocab_size, img_dim, word_dim, embed_dim, num_gru_layers, word_vectors, eval_cfg,
                         data_preprocessor, init_cfg)
        self.head = PooledCosineHead(embed_dim)
        self.loss_match = MODELS.build(loss or dict(type='VSEHingeLoss'))

    def scorer(self) -> nn.Module:
        return self.head

    def losses(self, feats: dict, pos_mask: Optional[torch.Tensor]) -> Dict[str, torch.Tensor]:
        return dict(loss_match=self.loss_match(self._batch_scores(feats), pos_mask))
