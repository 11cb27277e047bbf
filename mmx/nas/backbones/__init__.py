from .cr_resnet import CRResNet, set_block_dilation
from .pcnas import PCNASNet, PCNASSupernet

__all__ = ['CRResNet', 'set_block_dilation', 'PCNASNet', 'PCNASSupernet']
