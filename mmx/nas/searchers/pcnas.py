"""PC-NAS's partial model pool under a hard latency constraint.

Li et al., "Improving One-shot NAS by Suppressing the Posterior Fading", CVPR 2020, Sec. 3-4 and Fig. 1:
layer by layer, every partial model (prefix) of the pool is extended by every op of the next layer, the
extensions are scored with random completions that meet the latency limit, and the best P form the new
pool; between two updates the supernet trains only on paths drawn from the pool (a prefix of the pool,
completed at random within the limit), so the shared weights specialise to the surviving models.
"""
import random
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from ..latency import LatencyLUT
from .prefix_beam import PrefixBeamSearch

__all__ = ['PCNASPoolSearch']


class PCNASPoolSearch:
    """The partial model pool: sampling for training, pool updates, the result.

    Args:
        layer_choices (Sequence[Sequence[str]]): ops of every searchable layer.
        pool_size (int): P.
        lut (LatencyLUT): per-layer op latencies.
        latency_limit (float): the hard limit (ms, as in ``lut``).
    """

    def __init__(self, layer_choices: Sequence[Sequence[str]], pool_size: int, lut: LatencyLUT,
                 latency_limit: float):
        if len(lut) != len(layer_choices):
            raise ValueError(f'the latency table has {len(lut)} layers, the supernet {len(layer_choices)}')
        missing = [(i, op) for i, c in enumerate(layer_choices) for op in c if op not in lut.table[i]]
        if missing:
            raise ValueError(f'the latency table lacks (layer, op) {missing[:5]}')
        if latency_limit <= 0:
            raise ValueError(f'latency_limit must be positive, got {latency_limit}')
        if not lut.feasible((), latency_limit):
            raise ValueError(f'no architecture is within {latency_limit} ms: the fastest takes '
                             f'{lut.min_latency(()):.3f} ms')
        self.layer_choices = [tuple(c) for c in layer_choices]
        self.lut = lut
        self.latency_limit = float(latency_limit)
        self.search = PrefixBeamSearch(self.layer_choices, pool_size,
                                       feasible=lambda p: lut.feasible(p, self.latency_limit))

    @property
    def pool(self) -> List[Tuple[str, ...]]:
        return list(self.search.prefixes)

    @property
    def done(self) -> bool:
        return self.search.done

    def complete(self, prefix: Sequence[str], rng: random.Random) -> Tuple[str, ...]:
        """A random completion of ``prefix`` within the latency limit."""
        return self.lut.sample_completion(prefix, self.latency_limit, rng, self.layer_choices)

    def sample(self, rng: random.Random) -> Tuple[str, ...]:
        """A training path: a uniform prefix of the pool, completed within the limit."""
        return self.complete(rng.choice(self.search.prefixes), rng)

    def update(self, score_fn: Callable[[Tuple[str, ...]], float],
               scored: Optional[Dict[Tuple[str, ...], float]] = None) -> List[Tuple[str, ...]]:
        """Extend the pool by the next layer, score the feasible extensions, keep the best P.

        Args:
            score_fn (callable): ``score_fn(prefix) -> float`` (higher is better), e.g. the mean metric of
                feasible random completions (:meth:`complete`).
        """
        return self.search.step(score_fn, scored)

    def result(self) -> Tuple[Tuple[str, ...], float]:
        """The best full architecture of the final pool and its latency (always within the limit)."""
        arch = self.search.best()
        latency = self.lut.latency(arch)
        if latency > self.latency_limit:  # cannot happen: every kept prefix had a feasible completion
            raise RuntimeError(f'the searched architecture takes {latency} ms > {self.latency_limit} ms')
        return arch, latency

    def state_dict(self) -> dict:
        return self.search.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.search.load_state_dict(state)
