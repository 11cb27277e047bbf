from .cr_resnet import CRResNetSupernet

__all__ = ['CRResNetSupernet']
