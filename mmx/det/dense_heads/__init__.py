"""Dense (one-stage) heads for mmdet 3.x detectors (registered into mmdet's MODELS)."""
from .cross_dataset import DatasetAwareRetinaHead

__all__ = ['DatasetAwareRetinaHead']
