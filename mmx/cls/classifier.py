"""An image classifier assembled from registered backbone, neck and head configs."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel

from mmx.registry import MODELS
from .data_sample import ClsSample

__all__ = ['SmallImageClassifier']


@MODELS.register_module()
class SmallImageClassifier(BaseModel):
    """backbone -> optional neck -> head, with mmengine's data preprocessing and train/test protocol.

    Every part is built with ``MODELS.build``, so any registered backbone works, including other scopes'
    (``type='mmdet.ResNet'``). The head must provide ``forward``, ``loss`` and ``predict`` like
    :class:`~mmx.cls.heads.LinearClassifierHead`. Named so as not to shadow mmpretrain's
    ``ImageClassifier``, which has more features (batch augmentations, multi-label heads) and needs
    mmpretrain.

    Args:
        backbone (dict): backbone config; it maps (N, C, H, W) images to a tuple of feature maps.
        head (dict): head config.
        neck (dict, optional): neck config, e.g. ``dict(type='GlobalAvgPoolNeck')``. Defaults to None.
        data_preprocessor (dict, optional): data preprocessor config. Defaults to mmengine's
            ``ImgDataPreprocessor`` without normalisation (images are only cast to float).
        init_cfg (dict | list[dict], optional): initialisation of the whole model. Defaults to None
            (each part uses its own ``init_cfg``).
    """

    MODES = ('loss', 'predict', 'tensor')

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 neck: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[Union[dict, List[dict]]] = None):
        if data_preprocessor is None:
            data_preprocessor = dict(type='ImgDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck) if neck is not None else None
        self.head = MODELS.build(head)
        missing = [m for m in ('loss', 'predict') if not callable(getattr(self.head, m, None))]
        if missing:
            raise TypeError(f'the head {type(self.head).__name__} lacks the method(s) {missing} that '
                            'SmallImageClassifier calls')

    def extract_feat(self, inputs: torch.Tensor) -> Union[torch.Tensor, Tuple[torch.Tensor, ...]]:
        """Run the backbone and the neck.

        Args:
            inputs (Tensor): (N, C, H, W) preprocessed images.

        Returns:
            Tensor | tuple[Tensor]: the neck's output (the backbone's if there is no neck).
        """
        if not isinstance(inputs, torch.Tensor) or inputs.dim() != 4:
            raise ValueError('SmallImageClassifier expects a (N, C, H, W) image batch, got '
                             f'{tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs)}')
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[Sequence[ClsSample]] = None,
                mode: str = 'tensor') -> Union[Dict[str, torch.Tensor], List[ClsSample], torch.Tensor]:
        """Run the model in one of three modes.

        Args:
            inputs (Tensor): (N, C, H, W) preprocessed images.
            data_samples (Sequence[ClsSample], optional): N samples; ``'loss'`` needs their ``gt_label``.
            mode (str): ``'loss'``, ``'predict'`` or ``'tensor'``. Defaults to ``'tensor'``.

        Returns:
            dict[str, Tensor] | list[ClsSample] | Tensor: for ``'loss'`` the head's loss dict (``loss``
            and ``acc_top{k}`` for LinearClassifierHead); for ``'predict'`` the samples with
            ``pred_score`` (C,) and ``pred_label`` (1,); for ``'tensor'`` the (N, num_classes) logits.
        """
        if mode not in self.MODES:
            raise ValueError(f'mode must be one of {self.MODES}, got {mode!r}')
        feats = self.extract_feat(inputs)
        if mode == 'loss':
            return self.head.loss(feats, data_samples)
        if mode == 'predict':
            return self.head.predict(feats, data_samples)
        return self.head(feats)
