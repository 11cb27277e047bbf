"""Detection training hooks."""
from .eqlv2_logger import EqualizationLossV2LoggerHook

__all__ = ['EqualizationLossV2LoggerHook']
