from .crnas import SearchState, search_dilations, search_stage_allocation
from .evaluation import ArchScorer, completion_rng, get_supernet
from .pcnas import PCNASPoolSearch
from .prefix_beam import PrefixBeamSearch

__all__ = [
    'PrefixBeamSearch', 'ArchScorer', 'completion_rng', 'get_supernet', 'SearchState',
    'search_dilations', 'search_stage_allocation', 'PCNASPoolSearch'
]
