"""Formatting transform that turns a loaded image and its label into model inputs."""
from typing import Optional, Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmx.registry import TRANSFORMS
from .data_sample import ClsSample

__all__ = ['PackImageClsInputs']


@TRANSFORMS.register_module()
class PackImageClsInputs(BaseTransform):
    """Pack an image and its class label into ``inputs`` and ``data_samples``.

    The image keeps its dtype (``uint8`` images stay ``uint8``; the model's data preprocessor converts and
    normalises them), so the transform works for real photographs and in-memory arrays alike.

    Required keys: ``img`` (np.ndarray, (H, W) or (H, W, C)).
    Optional keys: ``gt_label`` (int), and any of ``meta_keys``.

    Added keys: ``inputs`` (Tensor, (C, H, W)) and ``data_samples`` (:class:`ClsSample`).

    Args:
        meta_keys (Sequence[str]): keys copied into the sample's metainfo when present.
            Defaults to ``('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip')``.
    """

    def __init__(self,
                 meta_keys: Sequence[str] = ('sample_idx', 'img_path', 'ori_shape', 'img_shape', 'flip')):
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> Optional[dict]:
        """Pack ``results['img']`` and ``results['gt_label']``.

        Args:
            results (dict): the result dict of the previous transforms.

        Returns:
            dict: ``{'inputs': Tensor (C, H, W), 'data_samples': ClsSample}``.
        """
        if 'img' not in results:
            raise KeyError('PackImageClsInputs needs an "img" entry; load the image first '
                           f'(got keys {sorted(results)})')
        img = np.asarray(results['img'])
        if img.ndim == 2:
            img = img[..., None]
        if img.ndim != 3:
            raise ValueError(f'expected an (H, W) or (H, W, C) image, got shape {img.shape}')
        inputs = torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))

        sample = ClsSample()
        if results.get('gt_label') is not None:
            sample.gt_label = results['gt_label']
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=inputs, data_samples=sample)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(meta_keys={self.meta_keys})'
