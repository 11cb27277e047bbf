"""Detection evaluation: per-source metrics of a cross-dataset model."""
from .cross_dataset_metric import CrossDatasetMetric

__all__ = ['CrossDatasetMetric']
