"""The data sample that carries one image's label and prediction through the classification substrate."""
from typing import Sequence, Union

import numpy as np
import torch
from mmengine.structures import BaseDataElement

__all__ = ['ClsSample']

LabelType = Union[int, np.integer, Sequence[int], np.ndarray, torch.Tensor]


def _to_label_tensor(value: LabelType) -> torch.Tensor:
    """Convert an int, sequence, array or tensor of class indices to a 1-D int64 tensor."""
    if isinstance(value, (int, np.integer)):
        return torch.tensor([int(value)], dtype=torch.long)
    tensor = value if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
        raise TypeError(f'a class label must hold integers, got dtype {tensor.dtype}')
    return tensor.reshape(-1).long()


class ClsSample(BaseDataElement):
    """One image's classification annotation and prediction.

    Fields (all optional):

    - ``gt_label`` (LongTensor, shape (1,)): ground-truth class index. Ints, arrays and sequences are
      converted on assignment, so ``sample.gt_label = 3`` works.
    - ``pred_score`` (Tensor, shape (C,)): class probabilities.
    - ``pred_label`` (LongTensor, shape (1,)): predicted class index.

    Metainfo (e.g. ``img_path``, ``ori_shape``) is set through ``set_metainfo`` as for any
    :class:`~mmengine.structures.BaseDataElement`.
    """

    @property
    def gt_label(self) -> torch.Tensor:
        return self._gt_label

    @gt_label.setter
    def gt_label(self, value: LabelType) -> None:
        self.set_field(_to_label_tensor(value), '_gt_label', dtype=torch.Tensor)

    @gt_label.deleter
    def gt_label(self) -> None:
        del self._gt_label

    @property
    def pred_label(self) -> torch.Tensor:
        return self._pred_label

    @pred_label.setter
    def pred_label(self, value: LabelType) -> None:
        self.set_field(_to_label_tensor(value), '_pred_label', dtype=torch.Tensor)

    @pred_label.deleter
    def pred_label(self) -> None:
        del self._pred_label

    @property
    def pred_score(self) -> torch.Tensor:
        return self._pred_score

    @pred_score.setter
    def pred_score(self, value: torch.Tensor) -> None:
        if not isinstance(value, torch.Tensor) or value.dim() != 1:
            raise TypeError('pred_score must be a 1-D tensor of class scores, got '
                            f'{type(value).__name__} with shape {getattr(value, "shape", None)}')
        self.set_field(value, '_pred_score', dtype=torch.Tensor)

    @pred_score.deleter
    def pred_score(self) -> None:
        del self._pred_score
