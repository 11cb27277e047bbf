"""Single-path one-shot (SPOS) sampling for supernet training."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from .searchers.evaluation import completion_rng, get_supernet

__all__ = ['SPOSSampleHook']


@HOOKS.register_module()
class SPOSSampleHook(Hook):
    """Before every training iteration, put a uniformly sampled path into the supernet backbone.

    Guo et al., "Single Path One-Shot Neural Architecture Search with Uniform Sampling", ECCV 2020, the
    supernet training of both CR-NAS and PC-NAS. The sample depends on (``seed``, iteration) only, so every
    DDP process trains the same path at a step and a resumed run repeats the paths it would have trained.
    The backbone must provide ``sample_arch(rng)`` and ``set_arch(arch)``.

    Args:
        seed (int): seed of the path sequence. Defaults to 0.
    """

    priority = 'NORMAL'

    def __init__(self, seed: int = 0):
        self.seed = int(seed)

    def before_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None) -> None:
        supernet = get_supernet(runner.model)
        rng = completion_rng(self.seed, 'spos', runner.iter)
        supernet.set_arch(supernet.sample_arch(rng))
