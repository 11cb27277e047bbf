"""Video backbones, registered into mmaction2's MODELS."""
from .resnet_tin import ResNetTemporalInterlace, TemporalInterlace

__all__ = ['ResNetTemporalInterlace', 'TemporalInterlace']
