"""Detection: datasets, losses, heads and post-processing, registered into mmdet's registries."""
from . import datasets  # noqa: F401
from . import losses  # noqa: F401
from . import hooks  # noqa: F401
from . import post_processing  # noqa: F401  (also makes torch_soft_nms / adj_nms selectable in test_cfg)
from . import roi_heads  # noqa: F401
from . import dense_heads  # noqa: F401  (cross-dataset training: dataset-aware RetinaNet head)
from . import evaluation  # noqa: F401  (cross-dataset training: per-source metric)
