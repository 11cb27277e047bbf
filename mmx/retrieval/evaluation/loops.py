"""Validation and test loops for retrieval models that score whole test sets (``predict_all``).

mmengine's ``ValLoop`` scores each batch on its own; a retrieval score needs every image against every
caption. These loops encode the test set batch by batch (``model.val_step``: one item per image with
its K captions), gather the encodings of all ranks (dropping the samples a distributed sampler repeats),
let ``model.predict_all`` score them (every rank scores a share of the pairs), and give the score
matrices to the evaluator once. Same contract as mmpretrain's ``RetrievalValLoop``, which mmx does not
depend on (registered names differ).
"""
from typing import Dict

import torch
from mmengine.dist import all_gather_object, get_dist_info
from mmengine.model import is_model_wrapper
from mmengine.runner import TestLoop, ValLoop
from mmengine.runner.amp import autocast

from mmx.registry import LOOPS

__all__ = ['CrossModalRetrievalValLoop', 'CrossModalRetrievalTestLoop', 'encode_and_score']


def _gather(parts: list) -> Dict[str, torch.Tensor]:
    """Concatenate per-batch outputs of all ranks, sorted by ``img_idx`` without repeats."""
    if not parts:
        raise ValueError('the retrieval test set produced no batches')
    _, world = get_dist_info()
    if world > 1:
        parts = [p for rank_parts in all_gather_object(parts) for p in rank_parts]
    feats = {k: torch.cat([p[k] for p in parts]) for k in parts[0] if parts[0][k] is not None}
    if 'img_idx' not in feats:
        raise KeyError('model.val_step must return img_idx (the dataset index of every image)')
    idx, first = torch.unique(feats['img_idx'], return_inverse=True)
    keep = torch.full((len(idx), ), -1, dtype=torch.long)
    keep.scatter_(0, first, torch.arange(len(first)))  # one position per distinct image
    if len(idx) != int(idx[-1]) + 1:
        raise ValueError(f'the test set encodings cover {len(idx)} images with indices up to {int(idx[-1])}')
    return {k: v[keep] for k, v in feats.items()}


def encode_and_score(runner, dataloader, evaluator, fp16: bool, stage: str) -> dict:
    """Encode ``dataloader`` with ``runner.model``, score all pairs, evaluate. ``stage``: 'val' or 'test'."""
    runner.model.eval()
    parts = []
    for idx, data_batch in enumerate(dataloader):
        runner.call_hook(f'before_{stage}_iter', batch_idx=idx, data_batch=data_batch)
        with torch.no_grad(), autocast(enabled=fp16):
            out = getattr(runner.model, f'{stage}_step')(data_batch)
        parts.append({k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in out.items()})
        runner.call_hook(f'after_{stage}_iter', batch_idx=idx, data_batch=data_batch, outputs=None)
    feats = _gather(parts)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    device = next(model.parameters()).device
    feats = {k: v.to(device) for k, v in feats.items()}
    rank, _ = get_dist_info()
    with torch.no_grad(), autocast(enabled=fp16):
        result = model.predict_all(feats, progress=rank == 0)
    result = {k: v.float().cpu() for k, v in result.items()}
    evaluator.process(data_samples=[result] if rank == 0 else [], data_batch=None)
    return evaluator.evaluate(1)


@LOOPS.register_module()
class CrossModalRetrievalValLoop(ValLoop):
    """``ValLoop`` for retrieval models with ``predict_all`` (arguments as ``ValLoop``)."""

    def run(self) -> dict:
        self.runner.call_hook('before_val')
        self.runner.call_hook('before_val_epoch')
        metrics = encode_and_score(self.runner, self.dataloader, self.evaluator, self.fp16, 'val')
        self.runner.call_hook('after_val_epoch', metrics=metrics)
        self.runner.call_hook('after_val')
        return metrics


@LOOPS.register_module()
class CrossModalRetrievalTestLoop(TestLoop):
    """``TestLoop`` for retrieval models with ``predict_all`` (arguments as ``TestLoop``)."""

    def run(self) -> dict:
        self.runner.call_hook('before_test')
        self.runner.call_hook('before_test_epoch')
        metrics = encode_and_score(self.runner, self.dataloader, self.evaluator, self.fp16, 'test')
        self.runner.call_hook('after_test_epoch', metrics=metrics)
        self.runner.call_hook('after_test')
        return metrics
