"""Pieces shared by the digits benchmarks (``mabn.py``, ``int8.py``): one run's config, a progress hook, and a
model with its optimiser and batches for interleaved step timing."""
import math
import os.path as osp
from typing import Callable, List, Optional, Tuple

from mmengine.hooks import Hook
from mmengine.utils import ProgressBar


def digits_run_cfg(cfg, benchmark: str, name: str, epochs: int, seed: int, work_dir: str):
    """Set up one digits run in place and return it: its own work dir and scalars, ``epochs`` epochs with
    one warm-up epoch then the config's cosine decay to the last epoch (a one-epoch run is all warm-up),
    evaluated once after training (by the caller), no checkpoints."""
    cfg.work_dir = osp.join(work_dir, f'{name}_seed{seed}')
    cfg.experiment_name = f'benchmark_{benchmark}_{name}_seed{seed}'
    cfg.visualizer.name = cfg.experiment_name  # each run's scalars in its own work dir
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1  # evaluated once, explicitly, after training
    cfg.param_scheduler = cfg.param_scheduler[:1] if epochs < 2 else cfg.param_scheduler
    cfg.param_scheduler[-1].end = max(epochs, 1)
    cfg.default_hooks.checkpoint = None
    return cfg


class ProgressHook(Hook):
    """Advances one progress bar over the training iterations of all runs and counts non-finite losses."""

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar
        self.nonfinite = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        loss = (outputs or {}).get('loss')
        if loss is not None and not math.isfinite(float(loss.detach())):
            self.nonfinite += 1
        self.bar.update()


def timing_setup(cfg, num_batches: int, prepare: Optional[Callable] = None) -> Tuple[object, object, List]:
    """The model of ``cfg`` in training mode (``prepare(model)`` applied first, e.g. an INT8 conversion), its
    optimiser wrapper, and the first ``num_batches`` training batches (seed 0)."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    from mmx.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmx'):
        model = MODELS.build(cfg.model)
        if prepare is not None:
            prepare(model)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batches = []
    for batch in loader:
        batches.append(batch)
        if len(batches) == num_batches:
            break
    model.train()
    return model, optim_wrapper, batches
