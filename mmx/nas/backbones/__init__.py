from .cr_mobilenet_v2 import CRMobileNetV2
from .cr_resnet import CRResNet, set_block_dilation
from .pcnas import PCNASNet, PCNASSupernet

__all__ = ['CRResNet', 'CRMobileNetV2', 'set_block_dilation', 'PCNASNet', 'PCNASSupernet']
