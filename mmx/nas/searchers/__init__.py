from .evaluation import ArchScorer, completion_rng, get_supernet
from .prefix_beam import PrefixBeamSearch

__all__ = ["PrefixBeamSearch", "ArchScorer", "completion_rng", "get_supernet"]
