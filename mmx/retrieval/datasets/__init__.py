from .precomp import PrecompRetrievalDataset
from .toy import generate_toy_retrieval, toy_scene_captions, toy_vocabulary
from .vocab import SPECIAL_TOKENS, Vocabulary, build_vocab, tokenize

__all__ = [
    'PrecompRetrievalDataset', 'generate_toy_retrieval', 'toy_scene_captions', 'toy_vocabulary', 'SPECIAL_TOKENS', 'Vocabulary',
    'build_vocab', 'tokenize'
]
