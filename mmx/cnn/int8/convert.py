"""Turn any PyTorch / OpenMMLab model into an INT8-trained one, and the shared refresh of DSGC state."""
import fnmatch
from typing import Dict, Iterable, Sequence

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size
from mmengine.logging import print_log

from .layers import Int8Conv2d, Int8Linear, QuantizedLayerMixin

__all__ = ['convert_to_int8', 'quantized_layers', 'finalize_refresh', 'DEFAULT_SKIP']

#: the paper keeps the first convolution and the last fully connected layer in floating point
DEFAULT_SKIP = ('first_conv', 'last_linear')


def _float_types():
    """The exact module classes that are converted, per layer type name: plain convolutions and linear
    layers, with mmcv's empty-tensor wrappers (subclasses that change ``forward``, such as ``CenConv2d`` or
    deformable convolutions, are left alone)."""
    from mmcv.cnn.bricks import wrappers
    return {'Conv2d': (nn.Conv2d, wrappers.Conv2d), 'Linear': (nn.Linear, wrappers.Linear)}


def quantized_layers(model: nn.Module) -> Dict[str, QuantizedLayerMixin]:
    """The INT8 layers of a model (unwrapping DDP-style ``.module``), by qualified name, in module order."""
    model = getattr(model, 'module', model)
    return {name: m for name, m in model.named_modules() if isinstance(m, QuantizedLayerMixin)}


def convert_to_int8(model: nn.Module,
                    layer_types: Sequence[str] = ('Conv2d', 'Linear'),
                    skip: Sequence[str] = DEFAULT_SKIP,
                    grad_rounding: str = 'stochastic',
                    dsgc: bool = True,
                    num_candidates: int = 64,
                    min_ratio: float = 0.01,
                    backend: str = 'simulate') -> Dict[str, QuantizedLayerMixin]:
    """Replace, in place, the model's convolution and linear layers by :class:`Int8Conv2d` /
    :class:`Int8Linear` with the same parameter objects (an optimiser built before stays valid) and all
    attributes (init flags, hooks); state-dict keys gain only the quantiser buffers.

    Args:
        model (nn.Module): the model (a DDP-style wrapper is unwrapped through ``.module``).
        layer_types (Sequence[str]): which of ``'Conv2d'`` and ``'Linear'`` to convert.
        skip (Sequence[str]): layers kept in floating point: ``'first_conv'`` (the first ``Conv2d`` in
            module order: the stem of a ResNet or MobileNetV2), ``'last_linear'`` (the last ``nn.Linear`` in
            module order: a classifier's FC), or ``fnmatch`` patterns of qualified module names
            (``'roi_head.bbox_head.fc_*'``). Module order is registration order, which for OpenMMLab
            backbones and heads is the order of computation; name the layers when it is not.
        grad_rounding, dsgc, num_candidates, min_ratio, backend: the quantiser settings of every converted
            layer (:class:`Int8Conv2d`).

    Returns:
        dict[str, QuantizedLayerMixin]: the converted layers by qualified name.
    """
    types = _float_types()
    unknown = [t for t in layer_types if t not in types]
    if unknown or not layer_types:
        raise ValueError(f'layer_types must be a non-empty subset of {sorted(types)}, got {list(layer_types)}')
    if isinstance(skip, str):
        raise TypeError(f'skip must be a sequence of names or patterns, got the string {skip!r}')
    model = getattr(model, 'module', model)
    quant_cfg = dict(grad_rounding=grad_rounding, dsgc=dsgc, num_candidates=num_candidates,
                     min_ratio=min_ratio, backend=backend)
    modules = list(model.named_modules())
    skipped = set()
    convs = [n for n, m in modules if isinstance(m, nn.Conv2d)]
    linears = [n for n, m in modules if isinstance(m, nn.Linear)]
    patterns = []
    for entry in skip:
        if entry == 'first_conv':
            skipped.update(convs[:1])
        elif entry == 'last_linear':
            skipped.update(linears[-1:])
        else:
            patterns.append(entry)
    converted, unmatched = {}, set(patterns)
    for name, module in modules:
        hits = [p for p in patterns if fnmatch.fnmatchcase(name, p)]
        unmatched.difference_update(hits)
        if hits or name in skipped or isinstance(module, QuantizedLayerMixin):
            continue
        for type_name in layer_types:
            if type(module) in types[type_name]:
                if type_name == 'Conv2d' and (isinstance(module.padding, str) or module.padding_mode != 'zeros'):
                    print_log(f'INT8 training: {name} kept in floating point (padding={module.padding!r}, '
                              f'padding_mode={module.padding_mode!r})', logger='current')
                    break
                cls = Int8Conv2d if type_name == 'Conv2d' else Int8Linear
                converted[name] = _swap(model, name, module, cls, quant_cfg)
                break
    if unmatched:
        raise ValueError(f'skip patterns {sorted(unmatched)} match no module of {type(model).__name__}')
    if not converted:
        raise ValueError(f'no {list(layer_types)} layer of {type(model).__name__} is left to convert '
                         f'(skip={list(skip)})')
    print_log(f'INT8 training: {len(converted)} layers quantised, kept in floating point: '
              f'{sorted(skipped) + patterns}', logger='current')
    return converted


def _swap(model: nn.Module, name: str, module: nn.Module, cls, quant_cfg: dict) -> QuantizedLayerMixin:
    new = cls.__new__(cls)
    new.__dict__.update(module.__dict__)
    for attr in ('_parameters', '_buffers', '_modules', '_non_persistent_buffers_set'):
        setattr(new, attr, type(getattr(module, attr))(getattr(module, attr)))
    if cls is Int8Conv2d:
        new._check_conv()
    new._init_quant(**quant_cfg)
    parent_name, _, child = name.rpartition('.')
    setattr(model.get_submodule(parent_name) if parent_name else model, child, new)
    return new


def finalize_refresh(layers: Iterable[QuantizedLayerMixin]) -> bool:
    """End a DSGC refresh: average each layer's (clip ratio, d, clip) over its backward calls and over the
    DDP processes, write them into its buffers, and clear ``refresh_pending``.

    Collective under DDP: every process must call it at the same iteration (it does nothing, and
    communicates nothing, when no layer has a pending refresh, which is the same on every process).

    Args:
        layers (Iterable[QuantizedLayerMixin]): the model's INT8 layers, in the same order on every process.

    Returns:
        bool: whether a refresh was finalised.
    """
    layers = list(layers)
    if not any(layer.refresh_pending for layer in layers):
        return False
    device = layers[0].grad_clip_ratio.device
    rows = []
    for layer in layers:
        stats = layer.pop_refresh_stats()
        rows.append(stats.to(device) if stats is not None else torch.zeros(4, device=device))
        layer.refresh_pending = False
    table = torch.stack(rows)
    if get_world_size() > 1:
        all_reduce(table, op='sum')
    count = table[:, 3:]
    means = table[:, :3] / count.clamp_min(1)
    with torch.no_grad():
        for layer, mean, n in zip(layers, means, count.flatten().tolist()):
            layer.refresh_generation += 1
            if n > 0:  # a layer without a backward pass this time keeps its state
                layer.grad_clip_ratio.copy_(mean[0])
                layer.grad_deviation.copy_(mean[1])
                layer.grad_clip.copy_(mean[2])
                layer.num_refreshes += 1
    return True

