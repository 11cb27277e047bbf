"""The prefix beam search (equal to brute force where it must be) and the CR-NAS searches."""
import itertools
import json
import random

import pytest

from mmx.nas.searchers import PrefixBeamSearch, SearchState, search_dilations, search_stage_allocation
from mmx.nas.supernets.cr_resnet import CRResNetSupernet


def _random_table(choices, seed):
    rng = random.Random(seed)
    return {arch: rng.random() for arch in itertools.product(*choices)}


@pytest.mark.parametrize('seed', range(5))
def test_beam_search_with_an_exact_prefix_score_equals_brute_force(seed):
    """With a prefix scored by its best completion (an oracle), even beam 1 finds the brute-force best."""
    choices = [(1, 2, 3), (1, 2, 3), (1, 2), (1, 2, 3)]
    table = _random_table(choices, seed)
    brute = max(table, key=table.get)

    def oracle(prefix):
        return max(v for a, v in table.items() if a[:len(prefix)] == prefix)

    for beam in (1, 3):
        search = PrefixBeamSearch(choices, beam)
        while not search.done:
            search.step(oracle)
        assert search.best() == brute


@pytest.mark.parametrize('seed', range(5))
def test_beam_search_with_a_separable_score_equals_brute_force(seed):
    """A score that is a sum over decisions is optimised decision by decision: beam 3 == brute force."""
    choices = [(1, 2, 3)] * 5
    rng = random.Random(seed)
    gain = [{c: rng.random() for c in cs} for cs in choices]

    def score(arch):
        return sum(gain[i][c] for i, c in enumerate(arch))

    brute = max(itertools.product(*choices), key=score)
    search = PrefixBeamSearch(choices, 3)
    while not search.done:
        search.step(score)
    assert search.best() == brute
    assert len(search.history[0]) == 3 and all(len(h) == 9 for h in search.history[1:])


def test_beam_search_as_wide_as_the_space_is_exhaustive():
    choices = [(1, 2, 3), (1, 2), (1, 2, 3)]
    table = _random_table(choices, 7)
    search = PrefixBeamSearch(choices, beam=18)
    while not search.done:
        # any prefix score: the last step scores full architectures, and nothing was dropped before
        search.step(lambda p: table[p] if len(p) == 3 else -sum(p))
    assert search.best() == max(table, key=table.get)


def test_beam_search_feasibility_state_and_errors():
    search = PrefixBeamSearch([(1, 2), (1, 2)], 2, feasible=lambda p: sum(p) <= 3)
    search.step(lambda p: sum(p))
    state = search.state_dict()
    resumed = PrefixBeamSearch([(1, 2), (1, 2)], 2, feasible=lambda p: sum(p) <= 3)
    resumed.load_state_dict(json.loads(json.dumps(state)))
    assert resumed.prefixes == search.prefixes and resumed.step_index == 1
    resumed.step(lambda p: sum(p))
    assert all(sum(p) <= 3 for p in resumed.prefixes) and resumed.best() in ((1, 2), (2, 1))
    with pytest.raises(RuntimeError, match='finished'):
        resumed.step(lambda p: 0)
    with pytest.raises(RuntimeError, match='no feasible'):
        PrefixBeamSearch([(5, )], 1, feasible=lambda p: False).step(lambda p: 0)
    with pytest.raises(ValueError, match='beam'):
        PrefixBeamSearch([(1, )], 0)
    with pytest.raises(ValueError, match='choices'):
        PrefixBeamSearch([(1, ), ()], 1)
    with pytest.raises(KeyError, match='prefixes'):
        search.load_state_dict({})


class FakeScorer:
    """Scores with a fixed table (the mean over batches), counting calls; no network runs."""

    def __init__(self, supernet, fn, batches=2):
        self.supernet, self.fn, self.batches, self.calls = supernet, fn, batches, 0

    def __len__(self):
        return self.batches

    def score(self, archs):
        self.calls += 1
        archs = [archs] * self.batches if isinstance(archs, dict) else archs
        return sum(self.fn(a) for a in archs) / len(archs)


@pytest.fixture(scope='module')
def supernet():
    return CRResNetSupernet(stage_options=[[1, 2], [1, 2], [1, 3], [2, 3]], budget=6, block='basic',
                            base_channels=2, dilation_choices=(1, 2, 3), branch_sharing='prefix')


def test_stage_search_is_exhaustive_and_resumes(supernet, tmp_path):
    rng = random.Random(0)
    table = {}

    def fn(arch):
        return table.setdefault(tuple(arch['stage_blocks']), rng.random())

    state = SearchState(str(tmp_path / 'state.json'))
    best, scores = search_stage_allocation(FakeScorer(supernet, fn), 6, state, progress=False)
    assert sorted(scores) == ['1,1,1,3', '1,2,1,2', '2,1,1,2']
    assert best == max(table, key=table.get)
    again = FakeScorer(supernet, fn)
    best2, _ = search_stage_allocation(again, 6, SearchState(state.path), progress=False)
    assert best2 == best and again.calls == 0  # everything came from the state file


def test_dilation_search_equals_brute_force_and_resumes(tmp_path):
    # an operation supernet: the allocation is fixed, every block takes a dilation of 1, 2 or 3
    supernet = CRResNetSupernet(stage_options=[[1], [1], [1], [2]], block='basic', base_channels=2)
    tau = (1, 1, 1, 2)  # 5 blocks, 3^5 = 243 architectures
    rng = random.Random(1)
    table = {}

    def fn(arch):
        return table.setdefault(tuple(sum(arch['dilations'], [])), rng.random())

    state = SearchState(str(tmp_path / 'state.json'))
    # prefixes are scored with random completions; a beam of 3^4 keeps every prefix, so the last
    # step scores all 243 architectures exactly
    arch, search = search_dilations(FakeScorer(supernet, fn), tau, beam=81, state=state, progress=False)
    brute = max(itertools.product((1, 2, 3), repeat=5), key=lambda f: fn(
        supernet.arch_from_dilations(tau, f)))
    assert sum(arch['dilations'], []) == list(brute)
    assert arch['stage_blocks'] == tau
    again = FakeScorer(supernet, fn)
    arch2, _ = search_dilations(again, tau, beam=81, state=SearchState(state.path), progress=False)
    assert arch2 == arch and again.calls == 0
    bad = tmp_path / 'bad.json'
    bad.write_text('{')
    with pytest.raises(ValueError, match='corrupted'):
        SearchState(str(bad))
