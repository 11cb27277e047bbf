"""Safe checkpoint loading for mmengine 0.10.7 on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7 predates that: its
checkpoints hold a ``HistoryBuffer`` and numpy arrays in ``message_hub``, so ``load_from``/``resume`` fail
with an ``UnpicklingError`` (open-mmlab/mmengine#1655; the fix on mmengine main, #1670, just passes
``weights_only=False``, i.e. unpickles *anything*, and is unreleased). And mmengine's HTTP loader goes
through ``torch.hub.load_state_dict_from_url``, whose default is still ``weights_only=False``: a
downloaded file could run arbitrary code.

mmx keeps torch's restricted unpickler on every path and extends it only by an explicit allow-list of
the types that mmengine checkpoints contain (:data:`MMENGINE_CHECKPOINT_GLOBALS`). A checkpoint holding
anything else is refused with :class:`UnsafeCheckpointError`, naming the type. A user who created such a
file and trusts it may allow more types with :func:`allow_checkpoint_globals`.
"""
import os.path as osp
import pickle
import types
from typing import Any, Callable, List, Optional

import numpy as np
import torch
from mmengine.logging import HistoryBuffer
from mmengine.runner import checkpoint as mmengine_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

__all__ = [
    'MMENGINE_CHECKPOINT_GLOBALS', 'UnsafeCheckpointError', 'allow_checkpoint_globals', 'safe_torch_load',
    'register_safe_checkpoint_loaders'
]


def _numpy_globals() -> List[Any]:
    """The numpy callables an array or scalar pickles through (numpy 1.x and 2.x spell them differently)."""
    multiarray = getattr(np, '_core', None) or np.core
    found = [multiarray.multiarray._reconstruct, multiarray.multiarray.scalar, np.ndarray, np.dtype]
    # numpy >= 1.25 pickles each dtype through its own class, e.g. numpy.dtypes.Float64DType.
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        found += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return found


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stands in for ``builtins.getattr`` while unpickling: only ``HistoryBuffer``'s own methods.

    A pickled ``HistoryBuffer`` carries its statistics methods as ``getattr(HistoryBuffer, 'mean')``, and
    its ``__setstate__`` registers them class-wide. Allowing the real ``getattr`` would let a file put any
    attribute of any allowed object there; this one returns plain functions defined on HistoryBuffer.
    """
    value = getattr(obj, name, None) if obj is HistoryBuffer and isinstance(name, str) else None
    if not isinstance(value, types.FunctionType) or value.__qualname__.split('.')[0] != 'HistoryBuffer':
        raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')
    return value


#: Everything beyond torch's default allow-list that an mmengine 0.10 checkpoint pickles:
#: the message hub's ``HistoryBuffer`` (with a getattr restricted to its methods) and the numpy arrays,
#: scalars and dtypes inside it.
MMENGINE_CHECKPOINT_GLOBALS: List[Any] = [HistoryBuffer, (_history_buffer_getattr, 'builtins.getattr')
                                          ] + _numpy_globals()
_extra_globals: List[Any] = []


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a Python object outside the allow-list, so mmx refuses to unpickle it."""


def allow_checkpoint_globals(*objects: Any) -> None:
    """Allow more classes or functions in checkpoints loaded through mmengine in this process.

    Only do this for files you created yourself: unpickling an allowed type may run its code.

    Args:
        *objects: Classes or functions, e.g. ``allow_checkpoint_globals(my_pkg.MyState)``.
    """
    for obj in objects:
        if not callable(obj):
            raise TypeError(f'allow_checkpoint_globals expects classes or functions, got {obj!r}')
        if obj not in _extra_globals:
            _extra_globals.append(obj)


def safe_torch_load(load: Callable[..., Any], source: str, *args, **kwargs) -> Any:
    """Run a torch loader (``torch.load``, ``load_state_dict_from_url``) with the restricted unpickler.

    Args:
        load: A callable accepting ``weights_only``.
        source: The file or URL, for the error message.
        *args, **kwargs: Passed on to ``load``.

    Raises:
        UnsafeCheckpointError: If the file pickles a type outside the allow-list.
    """
    with torch.serialization.safe_globals(MMENGINE_CHECKPOINT_GLOBALS + _extra_globals):
        try:
            return load(*args, weights_only=True, **kwargs)
        except pickle.UnpicklingError as err:
            raise UnsafeCheckpointError(
                f'Refusing to load checkpoint {source!r}: it pickles a Python object that is not in '
                'the allow-list of types found in mmengine checkpoints, and unpickling it could run '
                f'arbitrary code ({_reason(err)}). If you created this file '
                'yourself and trust it, allow the type with mmx.utils.allow_checkpoint_globals(...) '
                'before loading.') from err


def _reason(err: Exception) -> str:
    """The informative line of torch's weights-only error (which global was refused)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for line in lines:
        if 'Unsupported global' in line or 'not allowed' in line or 'unrecognized function' in line:
            return line.replace('WeightsUnpickler error: ', '').split(' Please use')[0]
    return lines[-1] if lines else type(err).__name__


def load_from_local(filename: str, map_location: Optional[Any] = None) -> Any:
    """mmengine's ``''`` scheme (a local path), loaded with the allow-list."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    return safe_torch_load(torch.load, filename, filename, map_location=map_location)


def load_url(url: str, model_dir: Optional[str] = None, map_location: Optional[Any] = None,
             progress: bool = True, **kwargs) -> Any:
    """Replacement of ``mmengine.utils.dl_utils.load_url`` as used by the HTTP, torchvision://,
    open-mmlab:// and mmcls:// schemes: same download cache, restricted unpickler. A sha256 prefix in
    the file name (``name-0123abcd.pth``) is checked, which mmengine and mim never do."""
    return safe_torch_load(
        torch.hub.load_state_dict_from_url, url, url, model_dir=model_dir,
        map_location=map_location, progress=progress, check_hash=True, **kwargs)


def register_safe_checkpoint_loaders() -> None:
    """Route mmengine's local and URL checkpoint loading through the restricted unpickler. Idempotent."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)
    # load_from_http, load_from_torchvision, load_from_openmmlab and load_from_mmcls all call this
    # module-level name.
    mmengine_checkpoint.load_url = load_url
