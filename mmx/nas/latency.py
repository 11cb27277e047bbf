"""A per-layer, per-op latency lookup table (LUT), measured on the device that will run the network.

PC-NAS constrains the latency of every candidate hard; like ProxylessNAS and the PC-NAS paper, the
latency of an architecture is estimated as the sum of its ops' measured latencies (plus the fixed
layers), which is additive over the searchable layers, so the fastest completion of a prefix is found
layer by layer.
"""
import json
import random
import statistics
import time
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

__all__ = ['LatencyLUT', 'measure_lut', 'time_module']


class LatencyLUT:
    """Latencies (ms) of every op of every searchable layer, and of the fixed rest of the network.

    Args:
        table (Sequence[dict]): ``table[l][op]`` is the latency of ``op`` in layer ``l``.
        base (float): latency of the fixed layers (stem, head ...). Defaults to 0.
        meta (dict, optional): how it was measured (device, batch size, input shape ...).
    """

    def __init__(self, table: Sequence[Dict[str, float]], base: float = 0.0, meta: Optional[dict] = None):
        if not table or any(not row for row in table):
            raise ValueError('a latency table needs at least one op for every layer')
        if any(not isinstance(v, (int, float)) or v < 0 for row in table for v in row.values()):
            raise ValueError('latencies must be non-negative numbers')
        self.table = [dict(row) for row in table]
        self.base = float(base)
        self.meta = dict(meta or {})
        # fastest[l]: the smallest latency of layers l..L-1 (the fastest completion from layer l)
        self.fastest = [0.0] * (len(self.table) + 1)
        for i in range(len(self.table) - 1, -1, -1):
            self.fastest[i] = self.fastest[i + 1] + min(self.table[i].values())

    def __len__(self) -> int:
        return len(self.table)

    def latency(self, ops: Sequence[str]) -> float:
        """Latency of a prefix (or a full architecture) of ops, including ``base``."""
        if len(ops) > len(self.table):
            raise ValueError(f'{len(ops)} ops for {len(self.table)} layers')
        try:
            return self.base + sum(self.table[i][op] for i, op in enumerate(ops))
        except KeyError as err:
            raise KeyError(f'op {err} is not in the latency table of its layer') from err

    def min_latency(self, prefix: Sequence[str]) -> float:
        """The latency of the fastest full architecture that starts with ``prefix``."""
        return self.latency(prefix) + self.fastest[len(prefix)]

    def feasible(self, prefix: Sequence[str], limit: float) -> bool:
        """Whether some completion of ``prefix`` is within ``limit`` ms."""
        return self.min_latency(prefix) <= limit

    def sample_completion(self, prefix: Sequence[str], limit: float, rng: random.Random,
                          choices: Optional[Sequence[Sequence[str]]] = None,
                          tries: int = 20) -> Tuple[str, ...]:
        """A random full architecture that starts with ``prefix`` and is within ``limit`` ms.

        Uniform rejection sampling over the completions (``tries`` times); if all are too slow, the
        layers are drawn one by one among the ops that keep a feasible completion (always succeeds).

        Raises:
            ValueError: if no completion of ``prefix`` is within the limit.
        """
        choices = [list(row) for row in self.table] if choices is None else choices
        prefix = tuple(prefix)
        if not self.feasible(prefix, limit):
            raise ValueError(f'no completion of {prefix} is within {limit} ms '
                             f'(the fastest takes {self.min_latency(prefix):.3f} ms)')
        for _ in range(tries):
            arch = prefix + tuple(rng.choice(choices[i]) for i in range(len(prefix), len(self.table)))
            if self.latency(arch) <= limit:
                return arch
        arch = prefix
        for i in range(len(prefix), len(self.table)):
            ok = [op for op in choices[i] if self.feasible(arch + (op, ), limit)]
            if not ok:  # only float rounding at a limit equal to the fastest latency gets here
                ok = [min(choices[i], key=lambda op: self.min_latency(arch + (op, )))]
            arch = arch + (rng.choice(ok), )
        return arch

    def to_dict(self) -> dict:
        return dict(table=self.table, base=self.base, meta=self.meta)

    def dump(self, path: str) -> None:
        with open(path, 'w') as f:
            json.dump(self.to_dict(), f, indent=1)

    @classmethod
    def load(cls, path: str) -> 'LatencyLUT':
        """Read a JSON table written by :meth:`dump` (``tools/nas/measure_latency.py``)."""
        try:
            with open(path) as f:
                data = json.load(f)
        except FileNotFoundError:
            raise FileNotFoundError(f'latency table {path!r} does not exist; measure one with '
                                    'tools/nas/measure_latency.py') from None
        except json.JSONDecodeError as err:
            raise ValueError(f'latency table {path!r} is not valid JSON: {err}') from err
        if not isinstance(data, dict) or 'table' not in data:
            raise ValueError(f'latency table {path!r} has no "table"')
        return cls(data['table'], data.get('base', 0.0), data.get('meta'))


@torch.no_grad()
def time_module(module: nn.Module, x: torch.Tensor, repeats: int = 20, warmup: int = 5) -> float:
    """Median wall time (ms) of ``module(x)`` over ``repeats`` runs after ``warmup`` runs."""
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    for _ in range(warmup):
        module(x)
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        module(x)
        sync()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@torch.no_grad()
def measure_lut(supernet: nn.Module, input_shape: Sequence[int], batch_size: int = 1, repeats: int = 20,
                warmup: int = 5, device: str = 'cpu') -> LatencyLUT:
    """Time every op of every searchable layer of a PC-NAS supernet on ``device``, on the input shape
    it sees in the network, and the fixed layers (the fastest architecture minus its ops).

    Args:
        supernet (nn.Module): a :class:`~mmx.nas.PCNASSupernet`.
        input_shape (Sequence[int]): (C, H, W) of the network input.
        batch_size (int): images per timed batch. Defaults to 1.
        repeats (int), warmup (int): timing runs, see :func:`time_module`.
        device (str): e.g. ``'cpu'`` or ``'cuda'``.

    Returns:
        LatencyLUT
    """
    supernet = supernet.to(device).eval()
    x = torch.rand(batch_size, *input_shape, device=device)
    shapes: List[torch.Size] = []
    first = tuple(choices[0] for choices in supernet.layer_choices)
    # every op of a layer sees the same input shape: record it on the op that runs
    hooks = [layer[op].register_forward_pre_hook(lambda m, inp: shapes.append(inp[0].shape))
             for layer, op in zip(supernet.layers, first)]
    supernet.set_arch(first)
    try:
        supernet(x)
    finally:
        for h in hooks:
            h.remove()
    table = []
    for layer, shape in zip(supernet.layers, shapes):
        inp = torch.rand(shape, device=device)
        table.append({op: time_module(module, inp, repeats, warmup) for op, module in layer.items()})
    whole = time_module(supernet, x, repeats, warmup)
    base = max(0.0, whole - sum(row[op] for row, op in zip(table, first)))
    meta = dict(device=str(torch.device(device)), batch_size=batch_size, input_shape=list(input_shape),
                repeats=repeats, torch=torch.__version__)
    if device.startswith('cuda'):
        meta['device_name'] = torch.cuda.get_device_name(torch.device(device))
    return LatencyLUT(table, base, meta)
