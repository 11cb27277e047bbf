"""Detection datasets and toy-data generators."""
from .cross_dataset import CROSS_DATASET_KEYS, CrossDataset, CrossDatasetLabels, build_label_space
from .lvis_federated import FEDERATED_KEYS, LVISV1FederatedDataset
from .toy_cross_dataset import TOY_CROSS_SOURCES, make_toy_cross_dataset
from .toy_lvis import TOY_LVIS_CLASSES, generate_toy_lvis

__all__ = [
    'CROSS_DATASET_KEYS', 'CrossDataset', 'CrossDatasetLabels', 'build_label_space', 'FEDERATED_KEYS',
    'LVISV1FederatedDataset', 'TOY_CROSS_SOURCES', 'make_toy_cross_dataset', 'TOY_LVIS_CLASSES', 'generate_toy_lvis'
]
