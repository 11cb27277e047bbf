"""Narrow fixes for known breakages of the released stack (applied once, by ``import mmx``).

Each fix is one small function named after what it fixes, with the upstream issue it works around. None
changes behaviour beyond the broken spot, and each is a no-op where the upstream bug is absent, so that a
fixed upstream release makes it dead rather than harmful. Tests: ``tests/utils/test_compat.py``.
"""
import importlib
import importlib.util
import os.path as osp
import sys
import types

__all__ = [
    'apply_compat_fixes', 'stub_mmaction_drn', 'alias_importlib_metadata', 'fix_lvis_numpy2',
    'allow_cpu_pytorch_launcher'
]


def stub_mmaction_drn() -> bool:
    """Make ``import mmaction.models`` work with the mmaction2 1.2.0 wheel.

    The wheel lacks ``mmaction/models/localizers/drn/`` (the folder has no ``__init__.py``, so
    ``find_packages`` skipped it; open-mmlab/mmaction2#2714, fix PR #2721 never merged), while
    ``localizers/__init__.py`` does ``from .drn.drn import DRN``. That breaks every mmaction2 model build.
    We put stand-in modules for the two missing names into ``sys.modules`` before mmaction2's models
    are imported. The stand-in ``DRN`` is not registered and refuses to be instantiated, so the only
    thing lost is DRN itself, which the wheel does not contain anyway.

    Returns:
        bool: True if the stub was installed.
    """
    # find_spec on 'mmaction' only: asking for the submodule would import the broken parent package.
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        return False
    drn_file = osp.join(osp.dirname(spec.origin), 'models', 'localizers', 'drn', 'drn.py')
    name = 'mmaction.models.localizers.drn'
    if osp.exists(drn_file) or name in sys.modules:
        return False

    class DRN:  # noqa: D101 - stand-in, see the docstring above
        def __init__(self, *args, **kwargs):
            raise ImportError(
                'mmaction2 1.2.0 is installed without its DRN localizer code '
                '(open-mmlab/mmaction2#2714); install mmaction2 from source to use DRN.')

    package = types.ModuleType(name)
    package.__path__ = []  # a package, so that `from .drn.drn import DRN` can resolve the child
    module = types.ModuleType(name + '.drn')
    module.DRN = DRN
    package.drn = module
    sys.modules[name] = package
    sys.modules[name + '.drn'] = module
    return True


def alias_importlib_metadata() -> bool:
    """Provide ``importlib_metadata`` when the backport is missing.

    ``mmaction/utils/dependency.py`` imports the PyPI backport ``importlib_metadata``, which mmaction2
    1.2.0 does not declare (it used to arrive through yapf). mmx declares it as a dependency; if it is
    still absent, the standard library's ``importlib.metadata`` (Python >= 3.8) has the two names
    mmaction2 uses (``distribution``, ``PackageNotFoundError``) and stands in for it.

    Returns:
        bool: True if the alias was installed.
    """
    if importlib.util.find_spec('importlib_metadata') is not None:
        return False
    sys.modules['importlib_metadata'] = importlib.import_module('importlib.metadata')
    return True


class _NumpyWithFloat(types.ModuleType):
    """numpy, plus the ``np.float`` alias that numpy 1.24 removed. Only lvis's eval module sees it."""

    float = float

    def __init__(self, numpy_module: types.ModuleType):
        super().__init__('numpy')
        self._numpy = numpy_module

    def __getattr__(self, name: str):
        return getattr(self._numpy, name)


def fix_lvis_numpy2() -> bool:
    """Let lvis 0.5.3's ``LVISEval`` run on numpy >= 1.24 (and so numpy 2).

    ``lvis/eval.py`` casts with ``np.float`` (removed in numpy 1.24), so ``LVISEval.accumulate`` and
    mmdet's ``LVISMetric`` fail. Fixed on lvis-api main (lvis-dataset/lvis-api#37, #42), never released.
    Instead of restoring ``np.float`` for every library in the process, we hand lvis's eval module a
    numpy namespace that has the alias.

    Returns:
        bool: True if the fix was applied.
    """
    import numpy as np
    if hasattr(np, 'float') or importlib.util.find_spec('lvis') is None:
        return False
    lvis_eval = importlib.import_module('lvis.eval')
    if isinstance(lvis_eval.np, _NumpyWithFloat):
        return False
    lvis_eval.np = _NumpyWithFloat(np)
    return True


def allow_cpu_pytorch_launcher() -> bool:
    """Let ``--launcher pytorch`` (torchrun, ``dist_train.sh``) start on a machine without CUDA.

    mmengine 0.10.7's ``_init_dist_pytorch`` calls ``torch.cuda.set_device(local_rank)`` before
    ``init_process_group`` whatever the backend; on a CPU-only torch build that raises
    ``AttributeError: module 'torch._C' has no attribute '_cuda_setDevice'``, so DDP with the gloo backend
    cannot start (the same line is in mmengine main; no upstream issue as of 2026-11). Only on a machine
    without CUDA, and only for the plain ``'torch'`` init backend, we initialise the process group without
    selecting a CUDA device. Everything else goes to mmengine's function unchanged.

    Returns:
        bool: True if the wrapper was installed.
    """
    import torch
    from mmengine.dist import utils as dist_utils
    original = dist_utils._init_dist_pytorch
    if torch.cuda.is_available() or getattr(original, '_mmx_cpu_fix', False):
        return False

    def _init_dist_pytorch(backend, init_backend='torch', **kwargs) -> None:
        accelerators = (dist_utils.is_mlu_available() or dist_utils.is_npu_available()
                        or dist_utils.is_musa_available())
        if init_backend != 'torch' or accelerators:
            return original(backend, init_backend=init_backend, **kwargs)
        if backend == 'nccl':
            raise RuntimeError('the nccl backend needs CUDA GPUs; use env_cfg.dist_cfg.backend="gloo" on a '
                               'CPU-only machine (tools/train.py does so by itself)')
        torch.distributed.init_process_group(backend=backend, **kwargs)

    _init_dist_pytorch._mmx_cpu_fix = True
    dist_utils._init_dist_pytorch = _init_dist_pytorch
    return True


def apply_compat_fixes() -> None:
    """Apply every fix of this module (and the safe checkpoint loader). Idempotent."""
    from .checkpoint import register_safe_checkpoint_loaders
    stub_mmaction_drn()
    alias_importlib_metadata()
    fix_lvis_numpy2()
    allow_cpu_pytorch_launcher()
    register_safe_checkpoint_loaders()
