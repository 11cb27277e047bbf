"""CAMP text-image retrieval: encoders, cross-modal message passing, losses, SCAN-format data, recall and
fast (chunked, two-stage) evaluation. Registered in mmx's scope (``default_scope='mmx'``)."""
from .datasets import PrecompRetrievalDataset, Vocabulary, build_vocab, generate_toy_retrieval, tokenize
from .evaluation import (CrossModalRecall, CrossModalRetrievalTestLoop, CrossModalRetrievalValLoop,
                         exhaustive_scores, retrieval_ranks, retrieval_recall, two_stage_scores)
from .hooks import HardNegativeWarmupHook
from .losses import HardestNegativeBCELoss, VSEHingeLoss, hardest_negative_bce, vse_hinge_loss
from .models import CAMP, CAMPFusion, GRUTextEncoder, PooledCosineHead, PrecompImageEncoder, VSEDualEncoder

__all__ = [
    'PrecompRetrievalDataset', 'Vocabulary', 'build_vocab', 'generate_toy_retrieval', 'tokenize',
    'CrossModalRecall', 'CrossModalRetrievalTestLoop', 'CrossModalRetrievalValLoop', 'exhaustive_scores',
    'retrieval_ranks', 'retrieval_recall', 'two_stage_scores', 'HardNegativeWarmupHook', 'HardestNegativeBCELoss', 'VSEHingeLoss',
    'hardest_negative_bce', 'vse_hinge_loss', 'CAMP', 'CAMPFusion', 'GRUTextEncoder', 'PooledCosineHead',
    'PrecompImageEncoder', 'VSEDualEncoder'
]
