"""Detection: datasets, losses, heads and post-processing, registered into mmdet's registries."""
from . import datasets  # noqa: F401
from . import losses  # noqa: F401
from . import hooks  # noqa: F401
