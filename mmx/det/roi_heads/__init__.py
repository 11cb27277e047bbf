"""RoI heads for mmdet 3.x two-stage detectors (registered into mmdet's MODELS)."""
from .cross_dataset import DatasetAwareRoIHead
from .deform_roi_pool import TorchDeformRoIPool, deform_roi_pool_torch
from .tsd import TSDBBoxHead, TSDRoIHead, progressive_constraint

__all__ = ['DatasetAwareRoIHead', 'TorchDeformRoIPool', 'deform_roi_pool_torch', 'TSDBBoxHead', 'TSDRoIHead',
           'progressive_constraint']
