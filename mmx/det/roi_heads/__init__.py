"""RoI heads for mmdet 3.x two-stage detectors (registered into mmdet's MODELS)."""
from .tsd import TSDBBoxHead, TSDRoIHead, progressive_constraint

__all__ = ['TSDBBoxHead', 'TSDRoIHead', 'progressive_constraint']
