"""Detection post-processing: soft-NMS and adj-NMS (PyTorch, CPU and GPU), box voting across models or
test-time augmentations (BoxVotingTTAModel).

Importing this package makes ``torch_soft_nms`` and ``adj_nms`` selectable by name in any mmdet detector's
``test_cfg`` (e.g. ``rcnn=dict(nms=dict(type='adj_nms', iou_threshold=0.5, sigma=0.5))``), see
:func:`register_nms_types`.
"""
from .box_voting import BoxVotingTTAModel, box_voting
from .nms import SOFT_NMS_METHODS, adj_nms, soft_nms, torch_soft_nms

__all__ = [
    'soft_nms', 'adj_nms', 'torch_soft_nms', 'SOFT_NMS_METHODS', 'register_nms_types', 'box_voting',
    'BoxVotingTTAModel'
]

#: the names a test_cfg's ``nms=dict(type=...)`` can give for mmx's NMS functions
NMS_TYPES = {'torch_soft_nms': torch_soft_nms, 'adj_nms': adj_nms}


def register_nms_types() -> None:
    """Make mmx's NMS functions selectable as ``nms=dict(type=NAME)`` in mmdet configs.

    mmcv's ``batched_nms`` (which mmdet's ``multiclass_nms`` and RPN heads call) resolves the type string
    with ``eval`` in the namespace of ``mmcv.ops.nms``, so that is where the names must be: there is no
    registry for NMS functions. An existing name is never replaced, so upstream's own functions stay as they
    are. The functions are called there with the boxes already shifted apart by class, and with ``idxs``
    not given.
    """
    import importlib
    import warnings

    # by sys.modules: the attribute mmcv.ops.nms is the function nms, which shadows its module
    mmcv_nms = importlib.import_module('mmcv.ops.nms')
    for name, fn in NMS_TYPES.items():
        current = getattr(mmcv_nms, name, None)
        if current is not None and current is not fn:
            warnings.warn(f'mmcv.ops.nms already defines {name!r}: type={name!r} in test_cfg runs mmcv\'s, not '
                          f'mmx\'s (call mmx.det.post_processing.{fn.__name__} directly)')
            continue
        setattr(mmcv_nms, name, fn)


register_nms_types()
