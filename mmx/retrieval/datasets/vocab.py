"""Caption vocabulary of the SCAN/VSE++/CAMP precomputed-feature format: tokeniser, builder, JSON and
(safely read) pickle files."""
import copyreg
import json
import os.path as osp
import pickle
import re
from collections import Counter
from typing import Dict, Iterable, List, Sequence

__all__ = ['SPECIAL_TOKENS', 'Vocabulary', 'tokenize', 'build_vocab']

#: Ids 0..3, as in VSE++/SCAN/CAMP vocabularies.
SPECIAL_TOKENS = ('<pad>', '<start>', '<end>', '<unk>')
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\sa-z0-9]")


def tokenize(caption: str) -> List[str]:
    """Lower-case a caption and split it into words and punctuation marks.

    The official code uses ``nltk.word_tokenize``, which needs nltk and its punkt data; this regular
    expression gives the same tokens on plain captions (words, numbers, one token per punctuation mark),
    but keeps English clitics on the word (``"man's"``, where nltk gives ``man`` ``'s``).
    """
    return _TOKEN.findall(caption.lower())


class _PickledVocabulary:
    """Stands in for the ``vocab.Vocabulary`` class of VSE++/CAMP pickles (attributes only)."""


class _VocabularyUnpickler(pickle.Unpickler):
    """Reads VSE++/CAMP ``*_vocab.pkl`` files: only their ``Vocabulary`` class (mapped to an inert stand-in),
    ``object`` and ``copyreg._reconstructor`` may be loaded, so the file cannot run code."""

    def find_class(self, module: str, name: str):
        if name == 'Vocabulary' and module in ('vocab', '__main__'):
            return _PickledVocabulary
        if name == '_reconstructor' and module in ('copyreg', 'copy_reg'):
            return copyreg._reconstructor
        if name == 'object' and module in ('builtins', '__builtin__'):
            return object
        raise pickle.UnpicklingError(f'{module}.{name} is not allowed in a vocabulary pickle')


class Vocabulary:
    """Word <-> id mapping; ids 0..3 are ``<pad>``, ``<start>``, ``<end>``, ``<unk>``.

    Args:
        words (Sequence[str]): the words after the special tokens, in id order.
    """

    def __init__(self, words: Sequence[str] = ()):
        self.idx2word: List[str] = list(SPECIAL_TOKENS)
        self.word2idx: Dict[str, int] = {w: i for i, w in enumerate(SPECIAL_TOKENS)}
        for word in words:
            self.add_word(word)

    def add_word(self, word: str) -> None:
        if word not in self.word2idx:
            self.word2idx[word] = len(self.idx2word)
            self.idx2word.append(word)

    def __len__(self) -> int:
        return len(self.idx2word)

    def __call__(self, word: str) -> int:
        return self.word2idx.get(word, self.word2idx['<unk>'])

    def encode(self, caption: str, max_words: int) -> List[int]:
        """``<start>``, the ids of the first ``max_words`` tokens, ``<end>`` (as the official loader)."""
        return [1] + [self(w) for w in tokenize(caption)[:max_words]] + [2]

    def save(self, path: str) -> None:
        """Write SCAN's JSON layout: ``{"word2idx": {...}, "idx2word": {"0": ...}, "idx": n}``."""
        data = dict(word2idx=self.word2idx, idx2word={str(i): w for i, w in enumerate(self.idx2word)},
                    idx=len(self))
        with open(path, 'w', encoding='utf-8') as f:
            json.dump(data, f)

    @classmethod
    def from_word2idx(cls, word2idx: Dict[str, int], source: str) -> 'Vocabulary':
        ids = sorted(word2idx.values())
        if ids != list(range(len(ids))):
            raise ValueError(f'vocabulary {source}: ids must be 0..{len(ids) - 1} without gaps')
        words = sorted(word2idx, key=word2idx.get)
        if tuple(words[:4]) != SPECIAL_TOKENS:
            raise ValueError(f'vocabulary {source}: ids 0..3 must be {SPECIAL_TOKENS}, got {words[:4]}')
        return cls(words[4:])

    @classmethod
    def load(cls, path: str) -> 'Vocabulary':
        """Read a SCAN ``*.json`` vocabulary or a VSE++/CAMP ``*.pkl`` one (read without running code)."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'vocabulary file {path} does not exist')
        if path.endswith('.pkl'):
            with open(path, 'rb') as f:
                obj = _VocabularyUnpickler(f).load()
            word2idx = getattr(obj, 'word2idx', None) if not isinstance(obj, dict) else obj.get('word2idx')
        else:
            with open(path, encoding='utf-8') as f:
                obj = json.load(f)
            word2idx = obj.get('word2idx') if isinstance(obj, dict) else None
        if not isinstance(word2idx, dict):
            raise ValueError(f'vocabulary {path} has no word2idx mapping')
        return cls.from_word2idx(word2idx, path)


def build_vocab(captions: Iterable[str], threshold: int = 4) -> Vocabulary:
    """Keep the tokens seen at least ``threshold`` times (VSE++/SCAN use 4), in order of first appearance.

    Args:
        captions (Iterable[str]): training captions.
        threshold (int): minimum count. Defaults to 4.

    Returns:
        Vocabulary: special tokens then the kept words.
    """
    if threshold < 1:
        raise ValueError(f'threshold must be >= 1, got {threshold}')
    counts = Counter()
    for caption in captions:
        counts.update(tokenize(caption))
    return Vocabulary([w for w, n in counts.items() if n >= threshold and w not in SPECIAL_TOKENS])
