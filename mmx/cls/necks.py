"""Necks that turn backbone feature maps into feature vectors."""
from typing import Tuple, Union

import torch
from mmengine.model import BaseModule

from mmx.registry import MODELS

__all__ = ['GlobalAvgPoolNeck']

FeatureMaps = Union[torch.Tensor, Tuple[torch.Tensor, ...]]


@MODELS.register_module()
class GlobalAvgPoolNeck(BaseModule):
    """Average every (N, C, H, W) feature map over H and W, giving (N, C).

    Has no parameters. Named so as not to shadow mmpretrain's ``GlobalAveragePooling``.
    """

    def forward(self, inputs: FeatureMaps) -> FeatureMaps:
        """Pool one map or a tuple of maps.

        Args:
            inputs (Tensor | tuple[Tensor]): (N, C, H, W) feature map(s).

        Returns:
            Tensor | tuple[Tensor]: (N, C) vector(s), the same container type as the input.
        """
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        return tuple(self._pool(x) for x in inputs)

    @staticmethod
    def _pool(x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f'GlobalAvgPoolNeck expects (N, C, H, W) maps, got shape {tuple(x.shape)}')
        return x.mean(dim=(2, 3))
