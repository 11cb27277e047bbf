from .cr_resnet import CRResNet, set_block_dilation

__all__ = ['CRResNet', 'set_block_dilation']
