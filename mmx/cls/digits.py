"""scikit-learn's handwritten digits (8x8 grey images) as an mmengine dataset, with a fixed split."""
from typing import List, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from mmx.registry import DATASETS

__all__ = ['DigitsDataset', 'split_digits']

# load_digits() stores 17 grey levels, 0 (background) .. 16 (ink).
_DIGITS_MAX = 16


def split_digits(labels: np.ndarray, num_folds: int = 3) -> Tuple[np.ndarray, np.ndarray]:
    """Split sample indices into train and test, stratified and without randomness.

    Within each class, samples are taken in dataset order and every ``num_folds``-th one (ranks
    ``num_folds - 1``, ``2 * num_folds - 1``, ...) goes to the test set. The split therefore depends on
    nothing but the labels: no seed, no library version. With the default ``num_folds=3`` the 1797
    digits give 1201 train and 596 test images, every class about one third in test.

    Args:
        labels (np.ndarray): (N,) class index of every sample.
        num_folds (int): one sample in ``num_folds`` of each class is a test sample. Defaults to 3.

    Returns:
        tuple[np.ndarray, np.ndarray]: sorted train indices and sorted test indices.
    """
    if num_folds < 2:
        raise ValueError(f'num_folds must be at least 2, got {num_folds}')
    labels = np.asarray(labels)
    is_test = np.zeros(len(labels), dtype=bool)
    for cls in np.unique(labels):
        members = np.flatnonzero(labels == cls)
        is_test[members[num_folds - 1::num_folds]] = True
    return np.flatnonzero(~is_test), np.flatnonzero(is_test)


@DATASETS.register_module()
class DigitsDataset(BaseDataset):
    """The UCI handwritten digits bundled with scikit-learn (``sklearn.datasets.load_digits``).

    1797 real 8x8 grey images of the digits 0-9, shipped inside scikit-learn, so nothing is downloaded.
    The split is fixed by :func:`split_digits` (stratified, one third of every class in ``'test'``:
    1201 train / 596 test images). There is no separate validation split.

    Each item holds ``img``, a ``uint8`` array of shape (8 * scale_factor, 8 * scale_factor, 1) whose
    grey levels 0..16 are mapped linearly to 0..255 (so the usual image normalisation applies), and
    ``gt_label`` (int). ``source_idx`` is the index into ``load_digits()``.

    Args:
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        scale_factor (int): nearest-neighbour upscaling factor, e.g. 4 gives 32x32 images for
            backbones that downsample a lot. Defaults to 1.
        **kwargs: the arguments of :class:`mmengine.dataset.BaseDataset` (``pipeline``, ``indices``,
            ``test_mode``, ...). ``ann_file`` and ``data_root`` are not used.
    """

    METAINFO = dict(classes=tuple(str(i) for i in range(10)))
    SPLITS = ('train', 'test')

    def __init__(self, split: str = 'train', scale_factor: int = 1, **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'DigitsDataset split must be one of {self.SPLITS}, got {split!r}')
        if not isinstance(scale_factor, int) or scale_factor < 1:
            raise ValueError(f'scale_factor must be a positive int, got {scale_factor!r}')
        self.split = split
        self.scale_factor = scale_factor
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        """Load the digits and keep the samples of ``self.split``.

        Returns:
            list[dict]: one dict per image with ``img``, ``gt_label`` and ``source_idx``.
        """
        from sklearn.datasets import load_digits  # only this dataset needs scikit-learn

        digits = load_digits()
        train_idx, test_idx = split_digits(digits.target)
        indices = train_idx if self.split == 'train' else test_idx
        images = np.round(digits.images * (255 / _DIGITS_MAX)).astype(np.uint8)
        if self.scale_factor > 1:
            images = images.repeat(self.scale_factor, axis=1).repeat(self.scale_factor, axis=2)
        return [
            dict(img=images[i][..., None], gt_label=int(digits.target[i]), source_idx=int(i))
            for i in indices
        ]
