from ..backbones.pcnas import PCNASSupernet
from .cr_resnet import CRResNetSupernet

__all__ = ['CRResNetSupernet', 'PCNASSupernet']
