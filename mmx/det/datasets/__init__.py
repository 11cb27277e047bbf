"""Detection datasets and toy-data generators."""
from .lvis_federated import FEDERATED_KEYS, LVISV1FederatedDataset

__all__ = ['FEDERATED_KEYS', 'LVISV1FederatedDataset']
