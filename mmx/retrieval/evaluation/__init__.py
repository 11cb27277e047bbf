from .loops import CrossModalRetrievalTestLoop, CrossModalRetrievalValLoop, encode_and_score
from .recall import CrossModalRecall, retrieval_ranks, retrieval_recall
from .scoring import exhaustive_scores, slice_context, two_stage_scores

__all__ = [
    'CrossModalRetrievalTestLoop', 'CrossModalRetrievalValLoop', 'encode_and_score', 'CrossModalRecall',
    'retrieval_ranks', 'retrieval_recall', 'exhaustive_scores', 'slice_context', 'two_stage_scores'
]
