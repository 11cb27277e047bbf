"""Video: the temporal interlace op, the TIN backbone, toy video data and multi-label tools, registered into
mmaction2's registries."""
from . import backbones  # noqa: F401
from . import ops  # noqa: F401
