"""Beam search over architecture prefixes: CR-NAS's greedy operation search (Algorithm 1, beam K) and
PC-NAS's partial model pool (pool size P) are the same procedure.

At step l every kept prefix (the choices of decisions 1..l-1) is extended by every choice of decision l;
the extensions are scored (by the caller: e.g. the mean metric of sampled completions) and the best
``beam`` are kept. CR-NAS runs all steps back to back on a trained supernet; PC-NAS trains the supernet
on the pool between steps and drops extensions that have no feasible completion.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ['PrefixBeamSearch']

Prefix = Tuple[Any, ...]


class PrefixBeamSearch:
    """Stateful prefix beam search, one :meth:`step` per decision, with ``state_dict`` for resuming.

    Args:
        choices (Sequence[Sequence]): the choices of every decision, in search order.
        beam (int): prefixes kept after each step (K of CR-NAS, P of PC-NAS).
        feasible (callable, optional): ``feasible(prefix) -> bool``; infeasible extensions are dropped
            before scoring (PC-NAS's hard latency constraint). Defaults to None (all feasible).
    """

    def __init__(self,
                 choices: Sequence[Sequence[Any]],
                 beam: int,
                 feasible: Optional[Callable[[Prefix], bool]] = None):
        if not choices or any(len(c) == 0 for c in choices):
            raise ValueError('choices must list at least one choice for every decision')
        if int(beam) != beam or beam < 1:
            raise ValueError(f'beam must be a positive integer, got {beam!r}')
        self.choices = [tuple(c) for c in choices]
        self.beam = int(beam)
        self.feasible = feasible
        self.prefixes: List[Prefix] = [()]
        self.scores: List[float] = [0.0]
        # every scored extension of every step: [(prefix, score), ...]
        self.history: List[List[Tuple[Prefix, float]]] = []

    @property
    def step_index(self) -> int:
        """The number of decisions fixed so far."""
        return len(self.history)

    @property
    def done(self) -> bool:
        return self.step_index == len(self.choices)

    def candidates(self) -> List[Prefix]:
        """The feasible extensions of the current prefixes by the next decision's choices."""
        if self.done:
            raise RuntimeError('the search is finished: every decision is fixed')
        cands = [p + (c, ) for p in self.prefixes for c in self.choices[self.step_index]]
        if self.feasible is not None:
            cands = [c for c in cands if self.feasible(c)]
        return cands

    def step(self, score_fn: Callable[[Prefix], float],
             scored: Optional[Dict[Prefix, float]] = None) -> List[Prefix]:
        """Score the extensions (higher is better) and keep the best ``beam``.

        Args:
            score_fn (callable): ``score_fn(prefix) -> float``.
            scored (dict, optional): scores already known (e.g. from a resumed run); these prefixes are
                not scored again, and new scores are added to it.

        Returns:
            list[tuple]: the kept prefixes, best first.

        Raises:
            RuntimeError: if no extension is feasible.
        """
        cands = self.candidates()
        if not cands:
            raise RuntimeError(f'no feasible extension at decision {self.step_index}: every prefix '
                               'violates the constraint')
        scored = {} if scored is None else scored
        for c in cands:
            if c not in scored:
                scored[c] = float(score_fn(c))
        # A stable sort: ties keep the enumeration order, so a search is deterministic.
        ranked = sorted(cands, key=lambda c: -scored[c])
        self.history.append([(c, scored[c]) for c in cands])
        self.prefixes = ranked[:self.beam]
        self.scores = [scored[c] for c in self.prefixes]
        return list(self.prefixes)

    def best(self) -> Prefix:
        """The best full architecture (after the last step)."""
        if not self.done:
            raise RuntimeError(f'the search has fixed {self.step_index} of {len(self.choices)} decisions')
        return self.prefixes[0]

    def state_dict(self) -> dict:
        return dict(prefixes=[list(p) for p in self.prefixes], scores=list(self.scores),
                    history=[[[list(p), s] for p, s in step] for step in self.history])

    def load_state_dict(self, state: dict) -> None:
        for key in ('prefixes', 'scores', 'history'):
            if key not in state:
                raise KeyError(f'a PrefixBeamSearch state needs {key!r}')
        if len(state['history']) > len(self.choices):
            raise ValueError('the state has more steps than this search has decisions')
        self.prefixes = [tuple(p) for p in state['prefixes']]
        self.scores = [float(s) for s in state['scores']]
        self.history = [[(tuple(p), float(s)) for p, s in step] for step in state['history']]
