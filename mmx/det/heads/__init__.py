"""Detection heads that adapt mmdet's heads to mmx's techniques (cross-dataset training)."""
from .cross_dataset import DatasetAwareRetinaHead, DatasetAwareRoIHead

__all__ = ['DatasetAwareRetinaHead', 'DatasetAwareRoIHead']
