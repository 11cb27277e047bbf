"""An RoI head that hands the per-sample annotated-class masks of cross-dataset training to its ``loss_cls``.

mmdet 3.3's heads call ``loss_cls(cls_score, labels, label_weights, avg_factor=...)`` on the samples of all
images at once, so a loss cannot tell which image (and which source dataset) a sample came from. This
head knows it (the RoIs' image from their batch index) and turns
``label_weights`` into per-(sample, class) weights with the avoidance rule
(:func:`~mmx.det.losses.cross_dataset.cross_dataset_label_weights`), read from each image's
``annotated_labels`` metainfo (set by :class:`~mmx.det.datasets.CrossDataset`). Images without it, and
images that annotate every class, get exactly the plain weights.
"""
from typing import List, Optional, Tuple

from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.registry import MODELS
from mmdet.structures import SampleList
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import InstanceList
from torch import Tensor

from ..losses.cross_dataset import annotated_class_masks, cross_dataset_label_weights
from ..losses.eql import EqualizationLoss
from ..losses.eqlv2 import EqualizationLossV2

__all__ = ['DatasetAwareRoIHead']


@MODELS.register_module()
class DatasetAwareRoIHead(StandardRoIHead):
    """mmdet's ``StandardRoIHead`` with the cross-dataset avoidance rule in its bbox classifier's loss.

    A background RoI of an image gives no negative gradient to the classes the image's source does not
    annotate (the avoidance rule of Yao et al., arXiv 2001.04621, which the paper states for RetinaNet,
    applied to RoI negatives). The RoIs' label weights become (N, K) weights, so ``bbox_head.loss_cls`` must take
    per-element weights: mmx's ``RoISigmoidCELoss`` (plain sigmoid cross-entropy), ``EqualizationLoss`` or
    ``EqualizationLossV2``, which compose the mask with their own weights. The RPN (class-agnostic
    objectness) is left unmasked, as is EQLv2's objectness column. The mask head is unchanged. Accepts
    every argument of ``StandardRoIHead``.

    Caution: this RoI version of the rule is mmx's extension (the paper states it for RetinaNet). On the toy
    benchmark (``tools/benchmarks/cross_dataset.py --detector faster-rcnn``, 3 seeds) it scored *below* the naive
    union on the classes only the small source labels, while ``DatasetAwareRetinaHead`` scored above it; see
    configs/cross_dataset/README.md.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        loss_cls = getattr(self.bbox_head, 'loss_cls', None)
        if not isinstance(loss_cls, (EqualizationLoss, EqualizationLossV2)):  # RoISigmoidCELoss included
            raise ValueError('DatasetAwareRoIHead needs bbox_head.loss_cls to take per-class weights: '
                             'RoISigmoidCELoss (plain sigmoid cross-entropy), EqualizationLoss or '
                             f'EqualizationLossV2, got {type(loss_cls).__name__}')
        self._batch_annotated: Optional[Tensor] = None

    def loss(self, x: Tuple[Tensor], rpn_results_list: InstanceList, batch_data_samples: SampleList) -> dict:
        """``StandardRoIHead.loss``; the images' annotated classes are held for :meth:`bbox_loss` during
        the call only."""
        self._batch_annotated = annotated_class_masks([s.metainfo for s in batch_data_samples],
                                                      self.bbox_head.num_classes, x[0].device)
        try:
            return super().loss(x, rpn_results_list, batch_data_samples)
        finally:
            self._batch_annotated = None

    def bbox_loss(self, x: Tuple[Tensor], sampling_results: List[SamplingResult]) -> dict:
        """``StandardRoIHead.bbox_loss`` with (N, K) label weights (see the class docstring)."""
        if self._batch_annotated is None:
            raise RuntimeError('DatasetAwareRoIHead.bbox_loss is called by loss(), which provides the '
                               "images' annotated classes")
        rois = bbox2roi([res.priors for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        labels, label_weights, bbox_targets, bbox_weights = self.bbox_head.get_targets(
            sampling_results, self.train_cfg, concat=True)
        per_roi = self._batch_annotated[rois[:, 0].long()]
        label_weights = cross_dataset_label_weights(labels, label_weights, per_roi,
                                                    bbox_results['cls_score'].size(1))
        bbox_results.update(loss_bbox=self.bbox_head.loss(
            bbox_results['cls_score'], bbox_results['bbox_pred'], rois, labels, label_weights, bbox_targets,
            bbox_weights))
        return bbox_results
