"""Video: the temporal interlace op, the TIN backbone and toy video data, registered into mmaction2's
registries."""
from . import backbones  # noqa: F401
from . import datasets  # noqa: F401
from . import ops  # noqa: F401
