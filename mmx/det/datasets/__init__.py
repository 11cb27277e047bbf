"""Detection datasets and toy-data generators."""
from .lvis_federated import FEDERATED_KEYS, LVISV1FederatedDataset
from .toy_lvis import TOY_LVIS_CLASSES, generate_toy_lvis

__all__ = ['FEDERATED_KEYS', 'LVISV1FederatedDataset', 'TOY_LVIS_CLASSES', 'generate_toy_lvis']
