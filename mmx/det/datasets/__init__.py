"""Detection datasets and toy-data generators."""
