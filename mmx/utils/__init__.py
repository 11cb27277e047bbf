from .checkpoint import (MMENGINE_CHECKPOINT_GLOBALS, UnsafeCheckpointError, allow_checkpoint_globals,
                         safe_torch_load)
from .compat import apply_compat_fixes

__all__ = [
    'MMENGINE_CHECKPOINT_GLOBALS', 'UnsafeCheckpointError', 'allow_checkpoint_globals', 'safe_torch_load',
    'apply_compat_fixes'
]
