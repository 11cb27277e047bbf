"""The dataset-aware RetinaNet head of cross-dataset training: per-anchor, per-class label weights with the
avoidance rule (:mod:`mmx.det.losses.cross_dataset`); the RoI-head counterpart and why a head must do this
(mmdet's losses cannot tell an anchor's image) are in :mod:`mmx.det.roi_heads.cross_dataset`."""
from typing import List

from mmdet.models.dense_heads import RetinaHead
from mmdet.registry import MODELS
from mmdet.utils import InstanceList

from ..losses.cross_dataset import annotated_class_masks, cross_dataset_label_weights

__all__ = ['DatasetAwareRetinaHead']


@MODELS.register_module()
class DatasetAwareRetinaHead(RetinaHead):
    """mmdet's ``RetinaHead`` with the cross-dataset avoidance rule in its sigmoid focal loss.

    The dataset-aware focal loss of Yao et al., `Cross-dataset Training for Class Increasing Object
    Detection <https://arxiv.org/abs/2001.04621>`_: a background anchor of an image gives no negative
    gradient to the classes its source does not annotate. The label weights of each level become
    (B, A, C) per-anchor-per-class weights, which mmdet's ``FocalLoss`` takes as they are (flattened, they
    are viewed as (N, C)). Needs a sigmoid classifier (``loss_cls.use_sigmoid=True``). Accepts every
    argument of ``RetinaHead``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if not self.use_sigmoid_cls:
            raise ValueError('DatasetAwareRetinaHead needs a sigmoid loss_cls (use_sigmoid=True): a softmax '
                             'has no per-class negative to leave out')

    def get_targets(self, anchor_list, valid_flag_list, batch_gt_instances: InstanceList,
                    batch_img_metas: List[dict], batch_gt_instances_ignore=None, unmap_outputs: bool = True,
                    return_sampling_results: bool = False) -> tuple:
        """``AnchorHead.get_targets`` with the label weights of each level as (B, A, C) weights."""
        targets = super().get_targets(anchor_list, valid_flag_list, batch_gt_instances, batch_img_metas,
                                      batch_gt_instances_ignore, unmap_outputs, return_sampling_results)
        labels_list, label_weights_list = targets[0], targets[1]
        annotated = annotated_class_masks(batch_img_metas, self.num_classes, labels_list[0].device)
        weights = []
        for labels, label_weights in zip(labels_list, label_weights_list):
            num_imgs, num_anchors = labels.shape
            per_anchor = annotated[:, None, :].expand(num_imgs, num_anchors, self.num_classes)
            weights.append(cross_dataset_label_weights(
                labels.reshape(-1), label_weights.reshape(-1), per_anchor.reshape(-1, self.num_classes),
                self.cls_out_channels).view(num_imgs, num_anchors, -1))
        return (labels_list, weights) + tuple(targets[2:])
