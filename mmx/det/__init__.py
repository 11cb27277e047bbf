"""Detection: datasets, losses, heads and post-processing, registered into mmdet's registries."""
from . import datasets  # noqa: F401
