"""Detection losses: Equalization Loss (EQL) and EQLv2, with the LVIS category statistics they use."""
from .category_frequency import CategoryFrequency, load_category_frequency, tail_mask_from_spec
from .eql import EqualizationLoss, equalization_loss
from .eqlv2 import EqualizationLossV2, equalization_loss_v2

__all__ = [
    'CategoryFrequency', 'load_category_frequency', 'tail_mask_from_spec', 'EqualizationLoss',
    'equalization_loss', 'EqualizationLossV2', 'equalization_loss_v2'
]
