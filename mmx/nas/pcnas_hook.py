"""PC-NAS search as an mmengine hook: pool-restricted sampling while the supernet trains, pool updates
at fixed intervals, the architecture file at the end; the pool travels in the checkpoints."""
import os.path as osp
from typing import Optional

import torch
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .arch import dump_arch
from .latency import LatencyLUT
from .searchers.evaluation import ArchScorer, completion_rng, get_supernet
from .searchers.pcnas import PCNASPoolSearch

__all__ = ['PCNASPoolHook', 'sync_pool']


def sync_pool(pool: PCNASPoolSearch) -> None:
    """Under DDP every process scores its own shard of the held-out data: the main process's pool
    becomes every process's pool (a no-op without a process group)."""
    state = [pool.state_dict()]
    broadcast_object_list(state, src=0)
    pool.load_state_dict(state[0])


@HOOKS.register_module()
class PCNASPoolHook(Hook):
    """Train a :class:`~mmx.nas.PCNASSupernet` with PC-NAS's shrinking partial model pool.

    Iterations ``[0, warmup_iters)`` train uniform paths within the latency limit (the pool is the empty
    prefix); then after every ``interval_iters`` iterations the pool is extended by one layer and truncated
    to ``pool_size`` (:class:`~mmx.nas.searchers.PCNASPoolSearch`), so training needs at least
    ``warmup_iters + num_layers * interval_iters`` iterations. A candidate prefix is scored on the
    ``num_batches`` held-out batches, with a new random feasible completion for every batch (the M of
    the paper is ``num_batches``). After training, ``pcnas_arch.yaml`` and ``pcnas_arch_weights.pth``
    (the path's weights under PCNASNet's names) are written into the work dir.

    Args:
        lut (str): latency table JSON (``tools/nas/measure_latency.py``).
        latency_limit (float, optional): hard latency limit, in the table's ms.
        latency_limit_frac (float, optional): the limit as a fraction of the way from the fastest to
            the slowest architecture of the table (a device-independent way to write a config; the ms
            value is logged). Exactly one of the two is given.
        search_dataloader (dict): the held-out split.
        pool_size (int): P. Defaults to 3.
        warmup_iters (int): uniform training before the first update. Defaults to 0.
        interval_iters (int): training iterations between pool updates. Defaults to 100.
        score (str): ``'loss'`` or ``'metric'``; metric_key (str): the evaluator key for ``'metric'``.
        evaluator (dict, optional): evaluator config for ``'metric'``. Defaults to the runner's
            ``val_evaluator`` config.
        num_batches (int, optional): held-out batches used. Defaults to all.
        seed (int): seed of the training paths and completions. Defaults to 0.
        shrink (bool): False keeps training uniform (latency-feasible) paths of the whole space while
            the pool is still updated: the "no pool" ablation. Defaults to True.
    """

    priority = 'NORMAL'

    def __init__(self, lut: str, search_dataloader: dict, latency_limit: Optional[float] = None,
                 latency_limit_frac: Optional[float] = None, pool_size: int = 3,
                 warmup_iters: int = 0, interval_iters: int = 100, score: str = 'loss',
                 metric_key: Optional[str] = None, evaluator: Optional[dict] = None,
                 num_batches: Optional[int] = None, seed: int = 0, shrink: bool = True):
        if warmup_iters < 0 or interval_iters < 1:
            raise ValueError(f'need warmup_iters >= 0 and interval_iters >= 1, got {warmup_iters}, '
                             f'{interval_iters}')
        if (latency_limit is None) == (latency_limit_frac is None):
            raise ValueError('give exactly one of latency_limit (ms) and latency_limit_frac')
        self.lut_path = lut
        self.lut = LatencyLUT.load(lut)
        if latency_limit_frac is not None:
            if not 0 <= latency_limit_frac <= 1:
                raise ValueError(f'latency_limit_frac must be in [0, 1], got {latency_limit_frac}')
            fastest = self.lut.min_latency(())
            slowest = self.lut.base + sum(max(row.values()) for row in self.lut.table)
            latency_limit = fastest + latency_limit_frac * (slowest - fastest)
        self.latency_limit = float(latency_limit)
        self.search_dataloader = search_dataloader
        self.pool_size = pool_size
        self.warmup_iters = warmup_iters
        self.interval_iters = interval_iters
        self.score, self.metric_key, self.evaluator = score, metric_key, evaluator
        self.num_batches = num_batches
        self.seed = seed
        self.shrink = shrink
        self.pool: Optional[PCNASPoolSearch] = None
        self._pending_state = None
        self._scorer = None
        self.curve = []  # (iteration, best pool score) after every update

    def _init_pool(self, runner) -> PCNASPoolSearch:
        if self.pool is None:
            supernet = get_supernet(runner.model)
            self.pool = PCNASPoolSearch(supernet.layer_choices, self.pool_size, self.lut,
                                        self.latency_limit)
            if self._pending_state is not None:
                self.pool.load_state_dict(self._pending_state['pool'])
                self.curve = [tuple(c) for c in self._pending_state['curve']]
        return self.pool

    def before_train(self, runner) -> None:
        pool = self._init_pool(runner)
        runner.logger.info(f'PC-NAS latency limit {self.latency_limit:.4f} ms (table {self.lut_path})')
        needed = self.warmup_iters + len(pool.layer_choices) * self.interval_iters
        if runner.max_iters < needed:
            raise ValueError(f'PCNASPoolHook needs {needed} training iterations (warm-up '
                             f'{self.warmup_iters} + {len(pool.layer_choices)} layers x {self.interval_iters}), '
                             f'the run has {runner.max_iters}')

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        rng = completion_rng(self.seed, 'train', runner.iter)
        pool = self._init_pool(runner)
        if self.shrink:
            arch = pool.sample(rng)
        else:
            arch = pool.complete((), rng)
        get_supernet(runner.model).set_arch(arch)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        done = runner.iter + 1 - self.warmup_iters
        pool = self._init_pool(runner)
        if done <= 0 or done % self.interval_iters or pool.done:
            return
        if pool.search.step_index >= done // self.interval_iters:
            return  # already updated (resumed inside an interval)
        if self._scorer is None:
            evaluator = None
            if self.score == 'metric':
                evaluator = runner.build_evaluator(self.evaluator or runner.cfg.val_evaluator)
            loader = runner.build_dataloader(self.search_dataloader)
            self._scorer = ArchScorer(runner.model, loader, self.score, evaluator, self.metric_key,
                                      self.num_batches)
        scorer = self._scorer

        def score_fn(prefix):
            return scorer.score([pool.complete(prefix, completion_rng(self.seed, 'score', prefix, b))
                                 for b in range(len(scorer))])

        pool.update(score_fn)
        sync_pool(pool)
        self.curve.append((runner.iter + 1, pool.search.scores[0]))
        runner.logger.info(f'PC-NAS pool after layer {pool.search.step_index}/{len(pool.layer_choices)}: '
                           + '; '.join(f'{"-".join(p)} ({s:.4f})'
                                       for p, s in zip(pool.pool, pool.search.scores)))

    def after_train(self, runner) -> None:
        pool = self._init_pool(runner)
        if not pool.done or not is_main_process():
            return
        arch, latency = pool.result()
        supernet = get_supernet(runner.model)
        spec = dict(family='pcnas', source='searched by mmx with tools/nas/search_pcnas.py',
                    ops=list(arch), stages=[list(s) for s in supernet.stages],
                    widen_factor=supernet.widen_factor, latency_ms=latency,
                    latency_limit_ms=self.latency_limit, latency_table=self.lut_path,
                    score=pool.search.scores[0], pool=[list(p) for p in pool.pool],
                    pool_scores=pool.search.scores, curve=[list(c) for c in self.curve])
        dump_arch(spec, osp.join(runner.work_dir, 'pcnas_arch.yaml'))
        torch.save(supernet.path_state_dict(arch), osp.join(runner.work_dir, 'pcnas_arch_weights.pth'))
        runner.logger.info(f'PC-NAS result: {"-".join(arch)}, {latency:.3f} ms (limit {self.latency_limit})')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self.pool is not None:
            checkpoint['pcnas_pool'] = dict(pool=self.pool.state_dict(), curve=self.curve)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if 'pcnas_pool' in checkpoint:
            self._pending_state = checkpoint['pcnas_pool']
            self.pool = None
