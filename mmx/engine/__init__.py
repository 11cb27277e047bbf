"""Framework-neutral training machinery (runners, hooks, optimiser wrappers), registered in mmengine's root
registries so that every OpenMMLab scope finds it by bare name.

* INT8 training (Zhu et al., CVPR 2020): ``Int8Runner`` (``RUNNERS``) converts the model from the config's
  ``int8_training`` dict; ``DSGCHook`` (``HOOKS``) refreshes the gradient clips; ``DCLROptimWrapper``,
  ``DCLRAmpOptimWrapper`` (``OPTIM_WRAPPERS``) and ``Int8OptimWrapperConstructor`` apply DCLR.
"""
from .int8 import (GROUP_KEY, DCLRAmpOptimWrapper, DCLRMixin, DCLROptimWrapper, DSGCHook,
                   Int8OptimWrapperConstructor, Int8Runner)

__all__ = [
    'GROUP_KEY', 'DCLRAmpOptimWrapper', 'DCLRMixin', 'DCLROptimWrapper', 'DSGCHook',
    'Int8OptimWrapperConstructor', 'Int8Runner'
]
