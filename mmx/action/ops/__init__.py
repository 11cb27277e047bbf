"""Video operators."""
from .temporal_interlace import integer_temporal_shift, naive_temporal_interlace, temporal_interlace

__all__ = ['integer_temporal_shift', 'naive_temporal_interlace', 'temporal_interlace']
