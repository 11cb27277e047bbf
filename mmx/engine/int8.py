"""mmengine hosting of unified INT8 training: the runner that converts the model from the config, the DSGC
refresh hook, and Deviation Counteractive Learning Rate scaling in the optimiser wrapper."""
from typing import Dict, Optional

import torch
from mmengine.hooks import Hook
from mmengine.optim import AmpOptimWrapper, DefaultOptimWrapperConstructor, OptimWrapper
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS, RUNNERS
from mmengine.runner import Runner

from mmx.registry import NEUTRAL_HOOKS, NEUTRAL_OPTIM_WRAPPERS
from mmx.cnn.int8 import QuantizedLayerMixin, convert_to_int8, dclr_lr_scale, finalize_refresh, quantized_layers

__all__ = [
    'DSGCHook', 'DCLRMixin', 'DCLROptimWrapper', 'DCLRAmpOptimWrapper', 'Int8OptimWrapperConstructor',
    'Int8Runner', 'GROUP_KEY'
]

#: the param-group key naming the INT8 layer that owns the group's parameter
GROUP_KEY = 'int8_layer'


def _stack_buffers(layers: Dict[str, QuantizedLayerMixin], name: str) -> list:
    """One buffer of every layer as Python floats (one device-to-host copy)."""
    return torch.stack([getattr(layer, name).float() for layer in layers.values()]).tolist()


@NEUTRAL_HOOKS.register_module()
class DSGCHook(Hook):
    """Refreshes the DSGC clip and the deviation ``d`` of every INT8 layer every ``period`` iterations
    (the paper's periodic update), and logs them.

    At iterations ``0, period, 2·period, ...`` (counted by ``runner.iter``, so a resumed run keeps the
    schedule) the backward passes search each layer's clip; the refresh is then finalised (averaged over
    calls and DDP processes, :func:`~mmx.cnn.int8.finalize_refresh`) by the DCLR optimiser wrapper before its
    step, or by this hook after the iteration.

    Logged: ``int8_d_mean``, ``int8_clip_ratio_mean`` and, with DCLR, ``int8_lr_scale_min`` in the training
    log line (every iteration, from cached values: no device synchronisation); per layer, at each refresh,
    ``int8/<layer>/d``, ``/clip``, ``/clip_ratio`` and ``/lr_scale`` to the visualiser's backends
    (``scalars.json``, TensorBoard...), where one line per layer would not fit a log line.

    Args:
        period (int): iterations between refreshes (T). Defaults to 100.
        log_per_layer (bool): write the per-layer scalars. Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self, period: int = 100, log_per_layer: bool = True) -> None:
        if not isinstance(period, int) or period < 1:
            raise ValueError(f'DSGCHook period must be a positive int, got {period!r}')
        self.period = period
        self.log_per_layer = log_per_layer
        self.layers: Dict[str, QuantizedLayerMixin] = {}
        self._summary: Optional[dict] = None

    def before_run(self, runner) -> None:
        self.layers = quantized_layers(runner.model)
        if not self.layers:
            raise RuntimeError('DSGCHook found no INT8 layer in the model: convert it first (runner_type='
                               "'Int8Runner' with int8_training=dict(...), or mmx.cnn.int8.convert_to_int8)")

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if runner.iter % self.period == 0:
            for layer in self.layers.values():
                layer.refresh_pending = True

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        finalize_refresh(self.layers.values())
        refreshed = runner.iter % self.period == 0
        if refreshed or self._summary is None:
            self._summary = self._read(runner, per_layer=refreshed and self.log_per_layer)
        for key, value in self._summary.items():
            runner.message_hub.update_scalar(f'train/{key}', value)

    def _read(self, runner, per_layer: bool) -> dict:
        d = _stack_buffers(self.layers, 'grad_deviation')
        ratio = _stack_buffers(self.layers, 'grad_clip_ratio')
        summary = dict(int8_d_mean=sum(d) / len(d), int8_clip_ratio_mean=sum(ratio) / len(ratio))
        wrapper = getattr(runner, 'optim_wrapper', None)
        scales = None
        if isinstance(wrapper, DCLRMixin):
            scales = [wrapper.lr_scale(x) for x in d]
            summary['int8_lr_scale_min'] = min(scales)
        if per_layer:
            clip = _stack_buffers(self.layers, 'grad_clip')
            scalars = {}
            for i, name in enumerate(self.layers):
                scalars.update({f'int8/{name}/d': d[i], f'int8/{name}/clip': clip[i],
                                f'int8/{name}/clip_ratio': ratio[i]})
                if scales is not None:
                    scalars[f'int8/{name}/lr_scale'] = scales[i]
            runner.visualizer.add_scalars(scalars, step=runner.iter + 1)
        return summary


class DCLRMixin:
    """Deviation Counteractive Learning Rate scaling for an mmengine optimiser wrapper.

    Each step multiplies the lr of every param group that belongs to an INT8 layer by
    ``φ(d) = max(exp(−α·d), β)`` of that layer's gradient deviation ``d``, runs the wrapped step, and
    restores the lr. So the update of the step uses ``φ·η`` (momentum and weight decay included, as the
    paper's per-layer learning rate), while ``group['lr']`` stays the scheduler's value: mmengine's chainable
    schedulers read and write it, so a permanent write would compound, and the logged lr stays the
    scheduled one. (Scaling the gradients instead would be wrong with momentum, weight decay or Adam.)

    ``φ`` is re-read from the layers' ``grad_deviation`` after each refresh (finalised here, before the
    step, so the refresh's ``d`` is used in its own step; or by :class:`DSGCHook` after an iteration without a
    step, with gradient accumulation) and after loading a checkpoint.
    Param groups are tagged with their layer by :class:`Int8OptimWrapperConstructor`.

    Args:
        alpha (float): α, the decay rate (paper: 20).
        beta (float): β, the lower bound of the scale (paper: 0.1).
    """

    def __init__(self, *args, alpha: float = 20.0, beta: float = 0.1, **kwargs):
        super().__init__(*args, **kwargs)
        if not alpha >= 0:
            raise ValueError(f'DCLR alpha must be >= 0, got {alpha}')
        if not 0 < beta <= 1:
            raise ValueError(f'DCLR beta must be in (0, 1], got {beta}')
        self.alpha, self.beta = float(alpha), float(beta)
        self.int8_layers: Dict[str, QuantizedLayerMixin] = {}
        self.lr_scales: Dict[str, float] = {}
        self._stale = True
        self._generations: tuple = ()

    def lr_scale(self, d: float) -> float:
        """``φ(d)`` with this wrapper's α and β."""
        return dclr_lr_scale(d, self.alpha, self.beta)

    def set_int8_layers(self, layers: Dict[str, QuantizedLayerMixin]) -> None:
        """The INT8 layers whose names the param groups carry under :data:`GROUP_KEY`."""
        self.int8_layers = dict(layers)
        self._stale = True

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._stale = True  # a resumed model's deviations

    def step(self, **kwargs) -> None:
        finalize_refresh(self.int8_layers.values())
        generations = tuple(layer.refresh_generation for layer in self.int8_layers.values())
        if self._stale or generations != self._generations:
            if self.int8_layers:
                d = _stack_buffers(self.int8_layers, 'grad_deviation')
                self.lr_scales = {name: self.lr_scale(x) for name, x in zip(self.int8_layers, d)}
            self._stale, self._generations = False, generations
        saved = []
        for group in self.optimizer.param_groups:
            scale = self.lr_scales.get(group.get(GROUP_KEY))
            if scale is not None:
                saved.append((group, group['lr']))
                group['lr'] = group['lr'] * scale
        try:
            super().step(**kwargs)
        finally:
            for group, lr in saved:
                group['lr'] = lr


@NEUTRAL_OPTIM_WRAPPERS.register_module()
class DCLROptimWrapper(DCLRMixin, OptimWrapper):
    """mmengine's ``OptimWrapper`` with DCLR (:class:`DCLRMixin`); build it with
    ``constructor='Int8OptimWrapperConstructor'``."""


@NEUTRAL_OPTIM_WRAPPERS.register_module()
class DCLRAmpOptimWrapper(DCLRMixin, AmpOptimWrapper):
    """mmengine's ``AmpOptimWrapper`` with DCLR (:class:`DCLRMixin`)."""


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class Int8OptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, with one param group per parameter (``paramwise_cfg``'s multipliers
    still apply), each group of an INT8 layer's parameter tagged with the layer's name (``GROUP_KEY``), and
    the layers handed to a DCLR wrapper. Needs a model already converted to INT8."""

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: Optional[dict] = None):
        # A non-empty paramwise_cfg makes the parent build one group per parameter, which DCLR needs.
        paramwise_cfg = dict(paramwise_cfg or {})
        paramwise_cfg.setdefault('bypass_duplicate', False)
        super().__init__(optim_wrapper_cfg, paramwise_cfg)

    def __call__(self, model) -> OptimWrapper:
        layers = quantized_layers(model)
        if not layers:
            raise ValueError('Int8OptimWrapperConstructor needs a model with INT8 layers: use '
                             "runner_type='Int8Runner' with int8_training=dict(...), or convert_to_int8")
        wrapper = super().__call__(model)
        owner = {id(p): name for name, layer in layers.items() for p in layer.parameters(recurse=False)}
        for group in wrapper.optimizer.param_groups:
            names = {owner.get(id(p)) for p in group['params']}
            if len(names) == 1 and None not in names:
                group[GROUP_KEY] = names.pop()
        if isinstance(wrapper, DCLRMixin):
            wrapper.set_int8_layers(layers)
        return wrapper


@RUNNERS.register_module()
class Int8Runner(Runner):
    """mmengine's ``Runner`` that converts the model to INT8 training as it builds it, from the config's
    ``int8_training`` dict, before DDP wrapping, the optimiser and checkpoint loading (so ``resume`` restores
    the quantiser state, and ``tools/test.py`` evaluates the INT8 model), and adds a :class:`DSGCHook`
    unless the config has one.

    ``int8_training`` keys: ``period`` (DSGC refresh period T, default 100), ``log_per_layer`` (default
    True), and :func:`~mmx.cnn.int8.convert_to_int8`'s ``layer_types``, ``skip``, ``grad_rounding``, ``dsgc``,
    ``num_candidates``, ``min_ratio``, ``backend``.
    """

    def build_model(self, model):
        model = super().build_model(model)
        settings = self._int8_settings()
        settings.pop('period', None)
        settings.pop('log_per_layer', None)
        try:
            convert_to_int8(model, **settings)
        except TypeError as err:
            raise ValueError(f'bad int8_training setting: {err}') from err
        return model

    def _int8_settings(self) -> dict:
        settings = self.cfg.get('int8_training')
        if not isinstance(settings, dict):
            raise ValueError("runner_type='Int8Runner' needs int8_training=dict(...) in the config, got "
                             f'{settings!r}')
        return dict(settings)

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        if not any(isinstance(hook, DSGCHook) for hook in self.hooks):
            settings = self._int8_settings()
            self.register_hook(
                DSGCHook(settings.get('period', 100), settings.get('log_per_layer', True)))
