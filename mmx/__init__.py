"""mmx: published computer-vision techniques as OpenMMLab 2.x plugins.

``import mmx`` (or ``custom_imports = dict(imports=['mmx'], allow_failed_imports=False)`` in a config)
applies the compatibility fixes of :mod:`mmx.utils.compat` and registers every mmx module into the
registries where mmdet, mmaction2 and mmengine configs look them up (see :mod:`mmx.registry`). It does
not change the default scope.
"""
from .utils.compat import apply_compat_fixes
from .version import __version__, version_info

apply_compat_fixes()

# Registration only: importing the subpackages runs their @register_module decorators.
from . import action, cls, cnn, det, engine, nas, retrieval  # noqa: E402,F401

__all__ = ['__version__', 'version_info']
