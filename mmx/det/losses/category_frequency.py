"""Per-category frequencies of an LVIS-style annotation file, and the EQL tail threshold λ.

The Equalization Loss (Tan et al., CVPR 2020, https://arxiv.org/abs/2003.05176) masks the negative
gradients of the categories whose frequency ``f_j`` is below a threshold λ. As in the official code
(``tztztztztz/eql.detectron2``, header of ``eql/lvis_v0_5_categories.py``), the frequency of a category is

    f_j = image_count_j / (number of distinct image ids that carry an annotation)

where ``image_count`` is the LVIS category field (computed from the annotations when a file lacks it).
The tables are always computed from the training annotation file at run time, or read from the JSON that
``tools/data/lvis_frequency.py`` writes from it (much smaller than LVIS's 1 GB training file).

λ can be given in three ways (:func:`tail_mask_from_spec`):

* directly (``lambda_``): ``T_λ(f_j) = [f_j < λ]``;
* as a *tail ratio* (paper, §4.2): ``TR(λ) = Σ_j T_λ(f_j) N_j / Σ_j N_j`` with ``N_j`` the instance count
  of category j; the smallest λ whose tail ratio reaches the requested value is used;
* as LVIS frequency groups (``'r'``, ``'rc'``): the categories of those groups are the tail. On LVIS v0.5
  the paper's λ = 1.76e-3 selects exactly rare ∪ common (categories in ≤ 100 images).
"""
import json
import os.path as osp
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    'FREQUENCY_FORMAT', 'LVIS_GROUPS', 'CategoryFrequency', 'load_category_frequency', 'tail_ratio',
    'lambda_for_tail_ratio', 'check_tail_spec', 'tail_mask_from_spec', 'lambda_table'
]

#: ``format`` field of the JSON files written by ``tools/data/lvis_frequency.py``.
FREQUENCY_FORMAT = 'mmx.lvis_frequency.v1'
#: LVIS frequency groups, in order: rare (1-10 training images), common (11-100), frequent (> 100).
LVIS_GROUPS = ('r', 'c', 'f')
_RARE_MAX_IMAGES = 10
_COMMON_MAX_IMAGES = 100


@dataclass
class CategoryFrequency:
    """Frequency statistics of the categories of one annotation file, in category-id order.

    Category-id order is the label order of mmdet's LVIS datasets (label i is the i-th smallest id),
    so index j of every array is label j.

    Attributes:
        cat_ids (list[int]): Category ids, ascending, length C.
        names (list[str]): Category names, length C.
        image_count (np.ndarray): (C,) number of images that hold the category.
        instance_count (np.ndarray): (C,) number of instances of the category.
        groups (list[str]): LVIS frequency group of each category, ``'r'``, ``'c'`` or ``'f'``.
        num_images (int): Number of distinct images that carry an annotation (the denominator of f).
        source (str): The file the statistics were read from.
    """

    cat_ids: List[int]
    names: List[str]
    image_count: np.ndarray
    instance_count: np.ndarray
    groups: List[str]
    num_images: int
    source: str = ''

    @property
    def num_classes(self) -> int:
        return len(self.cat_ids)

    @property
    def frequency(self) -> np.ndarray:
        """(C,) float64: ``image_count / num_images``."""
        return self.image_count.astype(np.float64) / max(self.num_images, 1)

    def to_json(self) -> dict:
        """The JSON document that :func:`load_category_frequency` reads back."""
        freq = self.frequency
        return dict(
            format=FREQUENCY_FORMAT,
            source=self.source,
            num_images=int(self.num_images),
            categories=[
                dict(id=int(c), name=n, image_count=int(ic), instance_count=int(nc), frequency=g,
                     freq=float(f))
                for c, n, ic, nc, g, f in zip(self.cat_ids, self.names, self.image_count,
                                              self.instance_count, self.groups, freq)
            ])


def _group_of(image_count: int) -> str:
    if image_count <= _RARE_MAX_IMAGES:
        return 'r'
    return 'c' if image_count <= _COMMON_MAX_IMAGES else 'f'


def _from_frequency_json(doc: dict, source: str) -> CategoryFrequency:
    cats = sorted(doc['categories'], key=lambda c: c['id'])
    return CategoryFrequency(
        cat_ids=[int(c['id']) for c in cats],
        names=[c.get('name', str(c['id'])) for c in cats],
        image_count=np.array([c['image_count'] for c in cats], dtype=np.int64),
        instance_count=np.array([c['instance_count'] for c in cats], dtype=np.int64),
        groups=[c['frequency'] for c in cats],
        num_images=int(doc['num_images']),
        source=doc.get('source', source))


def _from_annotations(doc: dict, source: str) -> CategoryFrequency:
    cats = sorted(doc['categories'], key=lambda c: c['id'])
    anns = doc['annotations']
    cat_ids = [int(c['id']) for c in cats]
    index = {c: i for i, c in enumerate(cat_ids)}
    images_of: List[set] = [set() for _ in cat_ids]
    instances = np.zeros(len(cat_ids), dtype=np.int64)
    for ann in anns:
        j = index.get(int(ann['category_id']))
        if j is None:
            raise KeyError(f'annotation {ann.get("id")} of {source} has category_id {ann["category_id"]}, '
                           'which is not in its category list')
        images_of[j].add(ann['image_id'])
        instances[j] += 1
    # The LVIS fields are preferred (they are what the official tables were made from); a COCO-style file
    # without them gets the same quantities computed from its annotations.
    image_count = np.array([c.get('image_count', len(s)) for c, s in zip(cats, images_of)], dtype=np.int64)
    instance_count = np.array([c.get('instance_count', n) for c, n in zip(cats, instances)],
                              dtype=np.int64)
    groups = [c.get('frequency', _group_of(int(n))) for c, n in zip(cats, image_count)]
    return CategoryFrequency(
        cat_ids=cat_ids,
        names=[c.get('name', str(c['id'])) for c in cats],
        image_count=image_count,
        instance_count=instance_count,
        groups=groups,
        num_images=len({a['image_id'] for a in anns}),
        source=source)


def load_category_frequency(path: str) -> CategoryFrequency:
    """Read category frequencies from an LVIS/COCO-style annotation file or a frequency JSON.

    Args:
        path (str): An annotation file with ``categories`` and ``annotations`` (LVIS v0.5/v1 or
            COCO style), or a file written by ``tools/data/lvis_frequency.py``.

    Returns:
        CategoryFrequency: The statistics, in category-id order.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: The file is neither kind of document.
    """
    if not path:
        raise ValueError('no annotation file given: pass the training annotation file (ann_file=...) or a '
                         'frequency file written by tools/data/lvis_frequency.py')
    if not osp.isfile(path):
        raise FileNotFoundError(f'category-frequency source {path!r} does not exist: pass the training '
                                'annotation file or a file written by tools/data/lvis_frequency.py')
    with open(path) as f:
        doc = json.load(f)
    if isinstance(doc, dict) and doc.get('format') == FREQUENCY_FORMAT:
        stats = _from_frequency_json(doc, path)
    elif isinstance(doc, dict) and 'categories' in doc and 'annotations' in doc:
        stats = _from_annotations(doc, path)
    else:
        raise ValueError(f'{path} is neither an annotation file (with "categories" and "annotations") nor '
                         f'a frequency file of format {FREQUENCY_FORMAT!r}')
    unknown = sorted(set(stats.groups) - set(LVIS_GROUPS))
    if unknown:
        raise ValueError(f'{path} has frequency groups {unknown}; expected {LVIS_GROUPS}')
    return stats


def tail_ratio(stats: CategoryFrequency, lambda_: float) -> float:
    """The paper's ``TR(λ) = Σ_j [f_j < λ] N_j / Σ_j N_j`` (N_j: instances of category j)."""
    total = stats.instance_count.sum()
    if total == 0:
        return 0.0
    return float(stats.instance_count[stats.frequency < lambda_].sum() / total)


def lambda_for_tail_ratio(stats: CategoryFrequency, ratio: float) -> float:
    """The smallest λ (one of the categories' frequencies, or just above the largest) with TR(λ) ≥ ratio.

    Args:
        stats (CategoryFrequency): The category statistics.
        ratio (float): The requested tail ratio, in [0, 1].

    Returns:
        float: λ; ``T_λ(f) = [f < λ]`` then masks the categories rarer than it.
    """
    if not 0.0 <= ratio <= 1.0:
        raise ValueError(f'tail_ratio must be in [0, 1], got {ratio}')
    # Candidates: every distinct frequency (masks the categories strictly below it) and one value above
    # the largest frequency (masks all).
    freqs = np.unique(stats.frequency)
    candidates = list(freqs) + [float(np.nextafter(freqs[-1], np.inf))] if len(freqs) else [0.0]
    for lam in candidates:
        if tail_ratio(stats, float(lam)) >= ratio:
            return float(lam)
    return float(candidates[-1])


def check_tail_spec(lambda_: Optional[float] = None,
                    tail_ratio_: Optional[float] = None,
                    tail_groups: Optional[str] = None) -> None:
    """Check that exactly one valid way of giving λ is used (see :func:`tail_mask_from_spec`)."""
    given = [v is not None for v in (lambda_, tail_ratio_, tail_groups)]
    if sum(given) != 1:
        raise ValueError('give exactly one of lambda_, tail_ratio and tail_groups, got '
                         f'lambda_={lambda_}, tail_ratio={tail_ratio_}, tail_groups={tail_groups}')
    if lambda_ is not None and lambda_ < 0:
        raise ValueError(f'lambda_ must be >= 0, got {lambda_}')
    if tail_ratio_ is not None and not 0.0 <= tail_ratio_ <= 1.0:
        raise ValueError(f'tail_ratio must be in [0, 1], got {tail_ratio_}')
    if tail_groups is not None:
        letters = str(tail_groups).replace('+', '')
        bad = sorted(set(letters) - set(LVIS_GROUPS))
        if not letters or bad:
            raise ValueError(f'unknown LVIS frequency group(s) {bad or tail_groups!r} in '
                             f'tail_groups={tail_groups!r}; use letters of {LVIS_GROUPS}, e.g. "r" or "rc"')


def tail_mask_from_spec(stats: CategoryFrequency,
                        lambda_: Optional[float] = None,
                        tail_ratio_: Optional[float] = None,
                        tail_groups: Optional[str] = None) -> Tuple[np.ndarray, Optional[float]]:
    """The EQL tail mask ``T_λ(f_j)`` from exactly one of the three ways of giving λ.

    Args:
        stats (CategoryFrequency): The category statistics.
        lambda_ (float, optional): λ itself.
        tail_ratio_ (float, optional): A tail ratio; λ is :func:`lambda_for_tail_ratio`.
        tail_groups (str, optional): LVIS groups whose categories form the tail, e.g. ``'r'``,
            ``'rc'`` (also accepted: ``'r+c'``).

    Returns:
        tuple[np.ndarray, float | None]: The (C,) bool mask and λ (None when given by groups).
    """
    check_tail_spec(lambda_, tail_ratio_, tail_groups)
    if tail_groups is not None:
        letters = tail_groups.replace('+', '')
        return np.array([g in letters for g in stats.groups], dtype=bool), None
    if tail_ratio_ is not None:
        lambda_ = lambda_for_tail_ratio(stats, tail_ratio_)
    return stats.frequency < lambda_, float(lambda_)


def lambda_table(stats: CategoryFrequency,
                 lambdas: Optional[Sequence[float]] = None) -> List[Dict[str, object]]:
    """Rows ``λ → (tail ratio, categories covered, categories covered per LVIS group)``.

    Args:
        stats (CategoryFrequency): The category statistics.
        lambdas (Sequence[float], optional): The λ values; by default the thresholds that end each LVIS
            group (just above its most frequent category) and a log-spaced range.

    Returns:
        list[dict]: One row per λ with keys ``lambda``, ``tail_ratio``, ``num_categories`` and
        ``groups`` (a dict ``{'r': covered/total, ...}`` as strings).
    """
    freq = stats.frequency
    groups = np.array(stats.groups)
    if lambdas is None:
        edges = [float(np.nextafter(freq[groups == g].max(), np.inf)) for g in LVIS_GROUPS
                 if (groups == g).any()]
        lambdas = sorted(set([1e-4, 3e-4, 1e-3, 1.1e-3, 1.76e-3, 3e-3, 1e-2, 3e-2, 1e-1] + edges))
    rows = []
    for lam in lambdas:
        mask = freq < lam
        rows.append({
            'lambda': float(lam),
            'tail_ratio': tail_ratio(stats, lam),
            'num_categories': int(mask.sum()),
            'groups': {g: f'{int((mask & (groups == g)).sum())}/{int((groups == g).sum())}'
                       for g in LVIS_GROUPS},
        })
    return rows
