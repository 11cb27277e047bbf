"""scikit-learn's handwritten digits (8x8 grey images) as an mmengine dataset, with a fixed split."""
from typing import List, Optional, Tuple

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

    With ``canvas``, the task becomes *cluttered translated digits* (after the cluttered MNIST of Mnih et
    al., 2014): the upscaled digit sits at a random place on a ``canvas`` x ``canvas`` black image, among
    ``clutter`` fragments (squares of 3/8 of a digit's side) cut from other random digits. Locating the
    digit needs a larger receptive field, which is what spatial reallocation (CR-NAS) is about, and the
    plain digits' ~98% ceiling is gone. Placement and fragments come from a generator seeded by the
    sample's ``source_idx``: the same image in every epoch, run and split.

    Args:
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        scale_factor (int): nearest-neighbour upscaling factor, e.g. 4 gives 32x32 images for
            backbones that downsample a lot. Defaults to 1.
        canvas (int, optional): side of the canvas the digit is placed on (at least
            ``8 * scale_factor``). Defaults to None: the digit alone.
        clutter (int): number of fragments of other digits on the canvas (needs ``canvas``). Defaults to 0.
        **kwargs: the arguments of :class:`mmengine.dataset.BaseDataset` (``pipeline``, ``indices``,
            ``test_mode``, ...). ``ann_file`` and ``data_root`` are not used.
    """

    METAINFO = dict(classes=tuple(str(i) for i in range(10)))
    SPLITS = ('train', 'test')

    def __init__(self, split: str = 'train', scale_factor: int = 1, canvas: Optional[int] = None,
                 clutter: int = 0, **kwargs):
        if split not in self.SPLITS:
            raise ValueError(f'DigitsDataset split must be one of {self.SPLITS}, got {split!r}')
        if not isinstance(scale_factor, int) or scale_factor < 1:
            raise ValueError(f'scale_factor must be a positive int, got {scale_factor!r}')
        if canvas is not None and (not isinstance(canvas, int) or canvas < 8 * scale_factor):
            raise ValueError(f'canvas must be an int of at least 8 * scale_factor = {8 * scale_factor}, '
                             f'got {canvas!r}')
        if not isinstance(clutter, int) or clutter < 0 or (clutter and canvas is None):
            raise ValueError(f'clutter must be a non-negative int, and needs a canvas; got clutter={clutter!r}, '
                             f'canvas={canvas!r}')
        self.split = split
        self.scale_factor = scale_factor
        self.canvas = canvas
        self.clutter = clutter
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
            dict(img=(images[i] if self.canvas is None else self._place(images, i))[..., None],
                 gt_label=int(digits.target[i]), source_idx=int(i))
            for i in indices
        ]

    def _place(self, images: np.ndarray, i: int) -> np.ndarray:
        """Image ``i`` at a random place on the canvas, among fragments of other digits."""
        rng = np.random.default_rng(i)
        side, canvas = images.shape[1], self.canvas
        out = np.zeros((canvas, canvas), np.uint8)
        v, u = rng.integers(0, canvas - side + 1, size=2)  # first: the place does not depend on the clutter
        out[v:v + side, u:u + side] = images[i]
        frag = 3 * self.scale_factor
        for _ in range(self.clutter):
            src = images[rng.integers(len(images))]
            y, x = rng.integers(0, side - frag + 1, size=2)
            v, u = rng.integers(0, canvas - frag + 1, size=2)
            np.maximum(out[v:v + frag, u:u + frag], src[y:y + frag, x:x + frag], out=out[v:v + frag, u:u + frag])
        return out
