"""Training hooks of the retrieval models."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmx.registry import HOOKS

__all__ = ['HardNegativeWarmupHook']


@HOOKS.register_module()
class HardNegativeWarmupHook(Hook):
    """Average over all in-batch negatives for the first ``warmup_iters`` iterations, then use the hardest
    negative only (the VSE++ practice, Faghri et al. BMVC 2018 §3).

    CAMP's hardest-negative BCE from a random initialisation stays at chance (the loss sits at
    ``4 B log 2``, CAMP_iccv19 issues #6/#9, and the same on mmx's toy data); the authors start from a
    pre-trained stage instead. The switch is derived from ``runner.iter`` before every iteration, so it
    holds no state: resuming and every DDP rank agree.

    Args:
        warmup_iters (int): iterations with all negatives.
        loss_names (Sequence[str]): attributes of the model holding losses with a ``max_violation`` flag.
            Defaults to ``('loss_match',)``.
    """

    priority = 'NORMAL'

    def __init__(self, warmup_iters: int, loss_names: Sequence[str] = ('loss_match', )):
        if warmup_iters < 0:
            raise ValueError(f'warmup_iters must be >= 0, got {warmup_iters}')
        self.warmup_iters, self.loss_names = warmup_iters, tuple(loss_names)

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        for name in self.loss_names:
            loss = getattr(model, name, None)
            if loss is None or not hasattr(loss, 'max_violation'):
                raise AttributeError(f'HardNegativeWarmupHook: the model has no loss {name!r} with a '
                                     'max_violation flag')
            loss.max_violation = runner.iter >= self.warmup_iters
