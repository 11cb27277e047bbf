from .camp_fusion import CAMPFusion, SummaryAttention, masked_softmax
from .encoders import GRUTextEncoder, PrecompImageEncoder, l2norm, lengths_to_mask, masked_mean
from .retrievers import CAMP, PooledCosineHead, VSEDualEncoder

__all__ = [
    'CAMPFusion', 'SummaryAttention', 'masked_softmax', 'GRUTextEncoder', 'PrecompImageEncoder', 'l2norm',
    'lengths_to_mask', 'masked_mean', 'CAMP', 'PooledCosineHead', 'VSEDualEncoder'
]
