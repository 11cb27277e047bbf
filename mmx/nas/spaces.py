"""Search spaces of CR-NAS and PC-NAS: option sets, budget-feasible stage allocations, op names.

CR-NAS: Liang et al., "Computation Reallocation for Object Detection", ICLR 2020,
https://openreview.net/forum?id=SkxLFaNKwB (arXiv 1912.11234), Sec. 3.2.
PC-NAS: Li et al., "Improving One-shot NAS by Suppressing the Posterior Fading", CVPR 2020
(arXiv 1910.02543).
"""
import itertools
from typing import Dict, List, Sequence, Tuple

__all__ = [
    'CR_RESNET_STAGE_OPTIONS', 'CR_DILATIONS', 'RESNET_BUDGETS', 'stage_allocations',
    'useful_stage_options', 'MBCONV_OPS', 'parse_mbconv_op'
]

# Sec. 3.2.1 of the CR-NAS paper (ResNet series): the block counts stage i may take.
CR_RESNET_STAGE_OPTIONS: Tuple[Tuple[int, ...], ...] = (
    tuple(range(1, 11)),
    tuple(range(1, 11)),
    (2, 3, 5, 6, 9, 11, 14, 17, 20, 23),
    (2, 3, 4, 6, 7, 9, 11, 13, 15, 17),
)
# Sec. 3.2.2: the dilation of one 3x3 conv per block.
CR_DILATIONS: Tuple[int, ...] = (1, 2, 3)
# The total block count N of the baselines the searched nets must match (and their allocations).
RESNET_BUDGETS: Dict[int, Tuple[int, ...]] = {
    18: (2, 2, 2, 2),
    34: (3, 4, 6, 3),
    50: (3, 4, 6, 3),
    101: (3, 4, 23, 3),
}


def _check_options(options: Sequence[Sequence[int]]) -> None:
    if not options or any(not opts for opts in options):
        raise ValueError(f'stage options must be a non-empty list of non-empty lists, got {options!r}')
    if any(int(o) != o or o < 1 for opts in options for o in opts):
        raise ValueError(f'every block count must be a positive integer, got {options!r}')


def stage_allocations(budget: int,
                      options: Sequence[Sequence[int]] = CR_RESNET_STAGE_OPTIONS
                      ) -> List[Tuple[int, ...]]:
    """Every allocation tau = (tau_1, ..., tau_S) with tau_i in ``options[i]`` and sum(tau) = budget.

    This is CR-NAS's stage search space under a computation budget (Eq. 1 of the paper), enumerated
    in lexicographic order.

    Args:
        budget (int): total number of blocks N (e.g. 16 for ResNet-50).
        options (Sequence[Sequence[int]]): allowed block counts of every stage.

    Returns:
        list[tuple[int]]: the feasible allocations (empty if none).
    """
    _check_options(options)
    if budget < 1:
        raise ValueError(f'budget must be a positive number of blocks, got {budget}')
    return [tau for tau in itertools.product(*[sorted(set(o)) for o in options]) if sum(tau) == budget]


def useful_stage_options(budget: int,
                         options: Sequence[Sequence[int]] = CR_RESNET_STAGE_OPTIONS
                         ) -> List[List[int]]:
    """The options of every stage that appear in at least one allocation of ``budget`` blocks.

    A stage supernet needs branches for these only: the others are never scored.

    Raises:
        ValueError: if no allocation meets the budget.
    """
    allocs = stage_allocations(budget, options)
    if not allocs:
        raise ValueError(f'no allocation of the options {options!r} sums to {budget} blocks')
    return [sorted({tau[i] for tau in allocs}) for i in range(len(options))]


# PC-NAS candidate ops: MBConv with kernel k and expansion e, and (in non-downsampling layers) skip.
MBCONV_OPS: Tuple[str, ...] = ('k3e3', 'k3e6', 'k5e3', 'k5e6', 'k7e3', 'k7e6', 'skip')


def parse_mbconv_op(op: str) -> Tuple[int, int]:
    """``'k5e6'`` -> (5, 6). Raises ValueError for anything else (including ``'skip'``)."""
    if (not isinstance(op, str) or len(op) < 4 or op[0] != 'k' or 'e' not in op):
        raise ValueError(f'an MBConv op is named like "k5e6", got {op!r}')
    k, e = op[1:].split('e', 1)
    if not (k.isdigit() and e.isdigit()) or int(k) % 2 == 0 or int(e) < 1:
        raise ValueError(f'an MBConv op needs an odd kernel and a positive expansion, got {op!r}')
    return int(k), int(e)
