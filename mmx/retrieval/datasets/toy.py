"""A deterministic toy text-image retrieval dataset with compositional captions, in the SCAN layout.

Every image shows two objects (a noun and a colour each) in two cells of a 3x3 grid, in different
columns. Its regions are *additive* features ``e_noun + e_colour + e_cell + noise`` (a few per object)
among background regions, shuffled. Images come in groups of four that share the same two nouns and
two colours: the base scene, the colours swapped between the objects, the positions swapped, both
swapped. Within a group every image has the same bag of region ingredients and its captions the same
bag of words, up to the relation word, e.g.

    a red cube left of a blue ring      /  a blue cube left of a red ring  /  a red cube right of ...

so telling them apart needs binding colours to nouns and nouns to positions, i.e. interaction between
the words and the regions. A dual encoder that averages linear projections of the regions gives all four
images of a group (almost) the same embedding and cannot do better than chance inside a group.
"""
import os
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from .vocab import Vocabulary, tokenize

__all__ = ['generate_toy_retrieval', 'toy_scene_captions', 'toy_vocabulary', 'TOY_NOUNS', 'TOY_COLOURS']

TOY_NOUNS = ('cube', 'sphere', 'cone', 'cylinder', 'ring', 'star', 'pyramid', 'disk')
TOY_COLOURS = ('red', 'green', 'blue', 'yellow', 'purple', 'orange')
_GRID = 3
_NUM_BACKGROUND = 10

Object = Tuple[str, str, Tuple[int, int]]  # (noun, colour, (row, col))


def _rel(a: Object, b: Object) -> str:
    return 'left of' if a[2][1] < b[2][1] else 'right of'


def toy_scene_captions(a: Object, b: Object) -> List[str]:
    """The five captions of a scene with objects ``a`` and ``b`` (each names both colours, both nouns
    and the horizontal relation, in different word orders)."""
    (na, ca, _), (nb, cb, _) = a, b
    return [
        f'a {ca} {na} {_rel(a, b)} a {cb} {nb}',
        f'a {cb} {nb} {_rel(b, a)} a {ca} {na}',
        f'the {ca} object is a {na} {_rel(a, b)} a {cb} {nb}',
        f'there is a {na} {_rel(a, b)} a {nb} and the {na} is {ca} while the {nb} is {cb}',
        f'a {nb} that is {cb} {_rel(b, a)} a {na} that is {ca}',
    ]


def toy_vocabulary() -> Vocabulary:
    """Every word the toy captions can use, sorted (a fixed vocabulary: the configs know its size)."""
    a, b = (TOY_NOUNS[0], TOY_COLOURS[0], (0, 0)), (TOY_NOUNS[1], TOY_COLOURS[1], (0, 1))
    words = set(TOY_NOUNS) | set(TOY_COLOURS)
    for caption in toy_scene_captions(a, b) + toy_scene_captions(b, a):
        words.update(tokenize(caption))
    return Vocabulary(sorted(words))


def _split_scenes(rng: np.random.Generator, num_groups: int) -> List[Tuple[Object, Object]]:
    scenes = []
    for _ in range(num_groups):
        na, nb = rng.choice(len(TOY_NOUNS), 2, replace=False)
        ca, cb = rng.choice(len(TOY_COLOURS), 2, replace=False)
        while True:
            cells = rng.choice(_GRID * _GRID, 2, replace=False)
            pa, pb = [(int(c) // _GRID, int(c) % _GRID) for c in cells]
            if pa[1] != pb[1]:
                break
        na, nb, ca, cb = TOY_NOUNS[na], TOY_NOUNS[nb], TOY_COLOURS[ca], TOY_COLOURS[cb]
        for swap_colour in (False, True):
            for swap_pos in (False, True):
                c1, c2 = (cb, ca) if swap_colour else (ca, cb)
                p1, p2 = (pb, pa) if swap_pos else (pa, pb)
                scenes.append(((na, c1, p1), (nb, c2, p2)))
    return scenes


def generate_toy_retrieval(out_dir: str,
                           num_groups: Dict[str, int] = None,
                           num_regions: int = 12,
                           regions_per_object: int = 3,
                           feat_dim: int = 64,
                           noise: float = 0.3,
                           seed: int = 0) -> Dict[str, dict]:
    """Write ``{split}_ims.npy``, ``{split}_caps.txt``, ``{split}_ids.txt`` and ``vocab.json``
    (:func:`toy_vocabulary`) to ``out_dir``. The same arguments give byte-identical files.

    Args:
        out_dir (str): output directory (created).
        num_groups (dict): groups of 4 images per split. Defaults to
            ``dict(train=150, dev=25, test=25)`` (600 / 100 / 100 images, 5 captions each).
        num_regions (int): R, regions per image. Defaults to 12.
        regions_per_object (int): object regions (the rest are background). Defaults to 3.
        feat_dim (int): F, region feature size. Defaults to 64.
        noise (float): expected norm of the Gaussian noise added to every region (the noun, colour, cell
            and background vectors have unit norm). Defaults to 0.3.
        seed (int): random seed. Defaults to 0.

    Returns:
        dict: per split, ``num_images`` and ``num_captions``.
    """
    num_groups = dict(train=150, dev=25, test=25) if num_groups is None else dict(num_groups)
    if 'train' not in num_groups or any(n < 1 for n in num_groups.values()):
        raise ValueError(f'num_groups needs a positive "train" entry and positive counts, got {num_groups}')
    if num_regions < 2 * regions_per_object or regions_per_object < 1:
        raise ValueError(f'num_regions ({num_regions}) must hold 2 x regions_per_object ({regions_per_object})')
    rng = np.random.default_rng(seed)

    def unit(n):
        vec = rng.standard_normal((n, feat_dim))
        return vec / np.linalg.norm(vec, axis=1, keepdims=True)

    nouns, colours = unit(len(TOY_NOUNS)), unit(len(TOY_COLOURS))
    cells, background = unit(_GRID * _GRID), unit(_NUM_BACKGROUND)
    os.makedirs(out_dir, exist_ok=True)
    stats = {}
    for split in sorted(num_groups):
        scenes = _split_scenes(rng, num_groups[split])
        feats = np.empty((len(scenes), num_regions, feat_dim), dtype=np.float32)
        captions = []
        for i, (a, b) in enumerate(scenes):
            rows = []
            for noun, colour, (r, c) in (a, b):
                concept = nouns[TOY_NOUNS.index(noun)] + colours[TOY_COLOURS.index(colour)] + cells[r * _GRID + c]
                rows += [concept] * regions_per_object
            for _ in range(num_regions - len(rows)):
                rows.append(background[rng.integers(_NUM_BACKGROUND)] + cells[rng.integers(_GRID * _GRID)])
            rows = np.stack(rows) + noise / np.sqrt(feat_dim) * rng.standard_normal((num_regions, feat_dim))
            feats[i] = rows[rng.permutation(num_regions)]
            captions += toy_scene_captions(a, b)
        np.save(osp.join(out_dir, f'{split}_ims.npy'), feats)
        with open(osp.join(out_dir, f'{split}_caps.txt'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(captions) + '\n')
        with open(osp.join(out_dir, f'{split}_ids.txt'), 'w', encoding='utf-8') as f:
            f.write('\n'.join(str(i) for i in range(len(scenes))) + '\n')
        stats[split] = dict(num_images=len(scenes), num_captions=len(captions))
    toy_vocabulary().save(osp.join(out_dir, 'vocab.json'))
    return stats
