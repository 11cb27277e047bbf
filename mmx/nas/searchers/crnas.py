"""The two CR-NAS searches on a trained supernet, resumable through a JSON state file.

Liang et al., "Computation Reallocation for Object Detection", ICLR 2020, Sec. 3.3:

1. stage reallocation: every allocation tau with sum(tau) = N is scored (exhaustive, Eq. 1);
2. spatial reallocation: with tau* fixed, per-block dilations by greedy beam search (Algorithm 1, K=3):
   a candidate prefix is scored by filling the undecided blocks with uniform samples, a new sample for
   every held-out mini-batch, and aggregating over the batches.
"""
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.utils import ProgressBar

from ..spaces import stage_allocations
from .evaluation import ArchScorer, completion_rng
from .prefix_beam import PrefixBeamSearch

__all__ = ['SearchState', 'search_stage_allocation', 'search_dilations']


class SearchState:
    """A JSON file of search results, rewritten (atomically) after every scored candidate."""

    def __init__(self, path: str, resume: bool = True):
        self.path = path
        self.data: Dict = {}
        if resume and osp.isfile(path):
            with open(path) as f:
                try:
                    self.data = json.load(f)
                except json.JSONDecodeError as err:
                    raise ValueError(f'search state {path!r} is corrupted ({err}); delete it to restart '
                                     'the search') from err
            if not isinstance(self.data, dict):
                raise ValueError(f'search state {path!r} is not a JSON object')

    def save(self) -> None:
        tmp = self.path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.data, f, indent=1)
        os.replace(tmp, self.path)


def _key(values: Sequence[int]) -> str:
    return ','.join(str(v) for v in values)


def search_stage_allocation(scorer: ArchScorer,
                            budget: int,
                            state: Optional[SearchState] = None,
                            progress: bool = True) -> Tuple[Tuple[int, ...], Dict[str, float]]:
    """Score every allocation of ``budget`` blocks in the supernet's options (all dilations 1).

    Args:
        scorer (ArchScorer): scores paths of the stage supernet on the held-out split.
        budget (int): N, the total number of blocks.
        state (SearchState, optional): where scores are kept (key ``'stage_scores'``) and read on resume.
        progress (bool): show a progress bar.

    Returns:
        tuple: the best allocation, and every allocation's score keyed ``'n1,n2,n3,n4'``.
    """
    supernet = scorer.supernet
    allocs = stage_allocations(budget, supernet.stage_options)
    if not allocs:
        raise ValueError(f'the supernet options {supernet.stage_options} allow no allocation of '
                         f'{budget} blocks')
    scores = {} if state is None else state.data.setdefault('stage_scores', {})
    bar = ProgressBar(len(allocs)) if progress else None
    for tau in allocs:
        if _key(tau) not in scores:
            scores[_key(tau)] = scorer.score(dict(stage_blocks=tau))
            if state is not None:
                state.save()
        if bar is not None:
            bar.update()
    best = max(allocs, key=lambda t: scores[_key(t)])  # first of equals: deterministic
    return best, {_key(t): scores[_key(t)] for t in allocs}


def search_dilations(scorer: ArchScorer,
                     stage_blocks: Sequence[int],
                     beam: int = 3,
                     seed: int = 0,
                     state: Optional[SearchState] = None,
                     progress: bool = True) -> Tuple[Dict, PrefixBeamSearch]:
    """Greedy beam search over per-block dilations (Algorithm 1 of the paper).

    Args:
        scorer (ArchScorer): scores paths of the operation supernet (``stage_blocks`` fixed).
        stage_blocks (Sequence[int]): the searched allocation tau*.
        beam (int): K. Defaults to 3 (paper).
        seed (int): seed of the random completions (a completion depends on seed, prefix and batch).
        state (SearchState, optional): keeps the beam and every scored prefix (keys ``'beam'`` and
            ``'beam_scores'``) and resumes from them.
        progress (bool): show a progress bar.

    Returns:
        tuple: the best architecture ``{'stage_blocks', 'dilations'}`` and the finished search.
    """
    supernet = scorer.supernet
    decisions = supernet.dilation_decisions(stage_blocks)
    search = PrefixBeamSearch(decisions, beam)
    scored: Dict[tuple, float] = {}
    if state is not None:
        if 'beam' in state.data:
            search.load_state_dict(state.data['beam'])
        scored = {tuple(int(v) for v in k.split(',')): s
                  for k, s in state.data.get('beam_scores', {}).items()}

    def complete(prefix: tuple, batch: int) -> Dict:
        rng = completion_rng(seed, _key(prefix), batch)
        tail = [rng.choice(c) for c in decisions[len(prefix):]]
        return supernet.arch_from_dilations(stage_blocks, list(prefix) + tail)

    def score_fn(prefix: tuple) -> float:
        value = scorer.score([complete(prefix, b) for b in range(len(scorer))])
        scored[prefix] = value
        if state is not None:
            state.data['beam_scores'] = {_key(p): s for p, s in scored.items()}
            state.save()
        if bar is not None:
            bar.update()
        return value

    total = sum(min(beam, _count(decisions, i)) * len(decisions[i]) for i in range(len(decisions)))
    bar = ProgressBar(total) if progress else None
    while not search.done:
        search.step(score_fn, scored)
        if state is not None:
            state.data['beam'] = search.state_dict()
            state.save()
    return supernet.arch_from_dilations(stage_blocks, search.best()), search


def _count(decisions: List[Sequence], i: int) -> int:
    """Number of prefixes of length i (the beam is full once it exceeds K)."""
    n = 1
    for c in decisions[:i]:
        n *= len(c)
    return n
