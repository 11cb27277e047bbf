"""The SCAN precomputed-feature layout (used by SCAN, VSE++ with BUTD features and CAMP) as a dataset.

``{data_root}/{split}_ims.npy``: float (N, R, F) region features (BUTD: R = 36, F = 2048), read
memory-mapped (COCO's train features are about 33 GB). ``{data_root}/{split}_caps.txt``: one caption per
line, ``caps_per_image`` (5) consecutive lines per image. A vocabulary file (SCAN's JSON or a VSE++/CAMP
pickle, see :class:`~mmx.retrieval.datasets.vocab.Vocabulary`).
"""
import os.path as osp
from typing import Optional

import numpy as np
import torch
from torch.utils.data import Dataset

from mmx.registry import DATASETS
from .vocab import Vocabulary

__all__ = ['PrecompRetrievalDataset']


@DATASETS.register_module()
class PrecompRetrievalDataset(Dataset):
    """Image regions and captions in the SCAN precomputed layout.

    **Training** (``test_mode=False``): one item per *caption* (SCAN's sampling), paired with its image::

        dict(inputs=dict(regions=(R, F) float32, tokens=(L,) int64, lengths=()),
             data_samples=dict(img_idx=(), cap_idx=()))

    **Testing** (``test_mode=True``): one item per *image* with all its captions, ``tokens`` (K, L) and
    ``lengths`` (K,). Caption ``k`` of image ``i`` is caption ``i * K + k`` of the split.

    Tokens are ``<start> w_1 .. w_n <end>`` with at most ``max_words`` words, zero-padded to
    L = ``max_words`` + 2. Two feature layouts are accepted: one row per image (SCAN's files) or one row
    per caption (features repeated K times, which the official CAMP loader assumes; only every K-th row
    is then read). The official loader indexes its evaluation arrays by caption id while sizing them by
    image count; indexing by image here avoids that.

    Args:
        data_root (str): directory of the split files.
        split (str): file prefix, e.g. ``'train'``, ``'dev'``, ``'test'``, ``'testall'``.
        vocab_file (str): vocabulary path (absolute, or relative to ``data_root``).
        max_words (int): words kept per caption. Defaults to 47 (official).
        caps_per_image (int): K. Defaults to 5.
        num_images (int, optional): keep only the first images (e.g. 1000 of COCO's 5000 dev images for
            quicker validation). Defaults to all.
        test_mode (bool): item per image instead of per caption. Defaults to False.
    """

    def __init__(self,
                 data_root: str,
                 split: str,
                 vocab_file: str = 'vocab.json',
                 max_words: int = 47,
                 caps_per_image: int = 5,
                 num_images: Optional[int] = None,
                 test_mode: bool = False):
        ims_path = osp.join(data_root, f'{split}_ims.npy')
        caps_path = osp.join(data_root, f'{split}_caps.txt')
        for path in (ims_path, caps_path):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path} does not exist (SCAN precomp layout: {split}_ims.npy and '
                                        f'{split}_caps.txt in {data_root})')
        if max_words < 1 or caps_per_image < 1:
            raise ValueError(f'max_words and caps_per_image must be >= 1, got {max_words}, {caps_per_image}')
        self.vocab = Vocabulary.load(vocab_file if osp.isabs(vocab_file) else osp.join(data_root, vocab_file))
        self.images = np.load(ims_path, mmap_mode='r', allow_pickle=False)
        if self.images.ndim != 3:
            raise ValueError(f'{ims_path} must hold (N, regions, features), got shape {self.images.shape}')
        with open(caps_path, encoding='utf-8') as f:
            captions = [line.strip() for line in f]
        if captions and captions[-1] == '':
            captions.pop()
        rows, k = len(self.images), caps_per_image
        if len(captions) == rows * k:
            self.row_step = 1
        elif len(captions) == rows and rows % k == 0:
            self.row_step = k  # one feature row per caption
        else:
            raise ValueError(f'{caps_path} has {len(captions)} captions for {rows} feature rows in {ims_path}: '
                             f'expected {k} captions per row, or one caption per row')
        total = len(captions) // k
        if num_images is not None:
            if not 1 <= num_images <= total:
                raise ValueError(f'num_images must lie in [1, {total}], got {num_images}')
            total = num_images
        self.num_images, self.caps_per_image, self.test_mode = total, k, test_mode
        self.max_len = max_words + 2
        self.tokens = np.zeros((total * k, self.max_len), dtype=np.int64)
        self.lengths = np.zeros(total * k, dtype=np.int64)
        for i, caption in enumerate(captions[:total * k]):
            ids = self.vocab.encode(caption, max_words)
            self.tokens[i, :len(ids)] = ids
            self.lengths[i] = len(ids)
        self.split = split

    @property
    def num_captions(self) -> int:
        return self.num_images * self.caps_per_image

    @property
    def metainfo(self) -> dict:
        return dict(split=self.split, num_images=self.num_images, num_captions=self.num_captions,
                    caps_per_image=self.caps_per_image, vocab_size=len(self.vocab))

    def __len__(self) -> int:
        return self.num_images if self.test_mode else self.num_captions

    def regions(self, img_idx: int) -> torch.Tensor:
        """(R, F) float32 features of one image, copied out of the memory map."""
        return torch.from_numpy(np.array(self.images[img_idx * self.row_step], dtype=np.float32))

    def __getitem__(self, idx: int) -> dict:
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} items')
        if self.test_mode:
            caps = slice(idx * self.caps_per_image, (idx + 1) * self.caps_per_image)
            return dict(inputs=dict(regions=self.regions(idx), tokens=torch.from_numpy(self.tokens[caps]),
                                    lengths=torch.from_numpy(self.lengths[caps])),
                        data_samples=dict(img_idx=idx))
        img = idx // self.caps_per_image
        return dict(inputs=dict(regions=self.regions(img), tokens=torch.from_numpy(self.tokens[idx]),
                                lengths=int(self.lengths[idx])),
                    data_samples=dict(img_idx=img, cap_idx=idx))
