"""Scoring architectures of a trained supernet on held-out batches (by loss or by a metric)."""
import random
from contextlib import contextmanager
from typing import Dict, Iterator, List, Optional, Sequence, Union

import torch
import torch.nn as nn
from mmengine.evaluator import Evaluator
from mmengine.model import is_model_wrapper

__all__ = ['ArchScorer', 'completion_rng', 'get_supernet']


def completion_rng(seed: int, *key) -> random.Random:
    """A generator seeded by ``seed`` and ``key`` only (string seeding is stable across processes), so a
    resumed or repeated search samples the same completions."""
    return random.Random('-'.join(str(k) for k in (seed, ) + key))


def get_supernet(model: nn.Module) -> nn.Module:
    """The supernet backbone of a detector/classifier (unwrapping DDP): it must have ``set_arch``."""
    if is_model_wrapper(model):
        model = model.module
    backbone = getattr(model, 'backbone', model)
    if not callable(getattr(backbone, 'set_arch', None)):
        raise TypeError(f'{type(backbone).__name__} is not a supernet backbone (it has no set_arch)')
    return backbone


@contextmanager
def batch_stat_norms(module: nn.Module, enabled: bool) -> Iterator[None]:
    """Let the BN layers of ``module`` normalise with batch statistics without changing their running
    statistics (momentum 0), like MMRazor's ``norm_training``: the running statistics of a supernet mix
    every path, so a single path is scored with its own."""
    norms = [m for m in module.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [(m.training, m.momentum) for m in norms]
    if enabled:
        for m in norms:
            m.train()
            m.momentum = 0.0
    try:
        yield
    finally:
        for m, (training, momentum) in zip(norms, saved):
            m.train(training)
            m.momentum = momentum


class ArchScorer:
    """Score supernet paths on a fixed list of held-out batches.

    ``score([arch_1, ..., arch_B])`` runs batch ``b`` through ``arch_b`` (CR-NAS's Algorithm 1 samples a
    new completion for every mini-batch and aggregates) and returns one number, higher is better:

    * ``score='loss'``: minus the mean of the model's summed training losses (``mode='loss'``);
    * ``score='metric'``: the ``metric_key`` of ``evaluator`` over the predictions of all batches
      (accumulated, not averaged per batch: AP on one mini-batch is too noisy).

    Args:
        model (nn.Module): an mmengine model (detector or classifier) whose backbone is a supernet.
        dataloader (Iterable): the held-out split; the first ``num_batches`` batches are kept in memory.
        score (str): ``'loss'`` or ``'metric'``. Defaults to ``'loss'``.
        evaluator (Evaluator | dict | list, optional): needed for ``score='metric'``.
        metric_key (str, optional): the key of the evaluator's result to maximise (e.g.
            ``'coco/bbox_mAP'``, ``'accuracy/top1'``); needed for ``score='metric'``.
        num_batches (int, optional): batches to keep. Defaults to None (the whole dataloader).
        bn_batch_stats (bool): normalise with batch statistics while scoring. Defaults to True.
    """

    def __init__(self,
                 model: nn.Module,
                 dataloader,
                 score: str = 'loss',
                 evaluator: Optional[Union[Evaluator, dict, list]] = None,
                 metric_key: Optional[str] = None,
                 num_batches: Optional[int] = None,
                 bn_batch_stats: bool = True):
        if score not in ('loss', 'metric'):
            raise ValueError(f"score must be 'loss' or 'metric', got {score!r}")
        if score == 'metric' and (evaluator is None or not metric_key):
            raise ValueError("score='metric' needs an evaluator and a metric_key")
        if evaluator is not None and not isinstance(evaluator, Evaluator):
            evaluator = Evaluator(evaluator)
        self.model = model.module if is_model_wrapper(model) else model
        self.supernet = get_supernet(self.model)
        self.score_type = score
        self.evaluator = evaluator
        self.metric_key = metric_key
        self.bn_batch_stats = bn_batch_stats
        self.batches: List = []
        for batch in dataloader:
            if num_batches is not None and len(self.batches) >= num_batches:
                break
            self.batches.append(batch)
        if not self.batches:
            raise ValueError('the held-out dataloader gave no batch')

    def __len__(self) -> int:
        return len(self.batches)

    @torch.no_grad()
    def score(self, archs: Union[Dict, Sequence[Dict]]) -> float:
        """Score one architecture on every batch, or ``archs[b]`` on batch ``b``."""
        if isinstance(archs, dict):
            archs = [archs] * len(self.batches)
        if len(archs) != len(self.batches):
            raise ValueError(f'got {len(archs)} architectures for {len(self.batches)} batches')
        was_training = self.model.training
        self.model.eval()
        total, count = 0.0, 0
        try:
            with batch_stat_norms(self.supernet, self.bn_batch_stats):
                for arch, batch in zip(archs, self.batches):
                    self.supernet.set_arch(arch)
                    if self.score_type == 'loss':
                        data = self.model.data_preprocessor(batch, True)
                        loss, _ = self.model.parse_losses(self.model(**data, mode='loss'))
                        n = len(data['inputs'])
                        total += float(loss) * n
                        count += n
                    else:
                        outputs = self.model.val_step(batch)
                        self.evaluator.process(data_samples=outputs, data_batch=batch)
                        count += len(outputs)
            if self.score_type == 'loss':
                return -total / count
            metrics = self.evaluator.evaluate(count)
            if self.metric_key not in metrics:
                raise KeyError(f'the evaluator gave {sorted(metrics)}, not {self.metric_key!r}')
            return float(metrics[self.metric_key])
        finally:
            self.model.train(was_training)
