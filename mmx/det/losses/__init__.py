"""Detection losses: Equalization Loss (EQL) and EQLv2, with the LVIS category statistics they use, and the
annotated-class weights of cross-dataset training."""
from .category_frequency import CategoryFrequency, load_category_frequency, tail_mask_from_spec
from .cross_dataset import (RoISigmoidCELoss, annotated_class_masks, avoidance_mask,
                            cross_dataset_label_weights)
from .eql import EqualizationLoss, equalization_loss
from .eqlv2 import EqualizationLossV2, equalization_loss_v2

__all__ = [
    'annotated_class_masks', 'avoidance_mask', 'cross_dataset_label_weights', 'RoISigmoidCELoss',
    'CategoryFrequency', 'load_category_frequency', 'tail_mask_from_spec', 'EqualizationLoss',
    'equalization_loss', 'EqualizationLossV2', 'equalization_loss_v2'
]
