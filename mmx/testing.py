"""Helpers for mmx's tests (as mmengine.testing and mmdet.testing): a 2-process gloo group on the CPU, the way
the DDP tests run the distributed code paths without a GPU. Not imported by ``import mmx``."""
import os
import socket
from datetime import timedelta


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now (for a process group's rendezvous)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def init_gloo(rank: int, port: int, world_size: int = 2, timeout_s: float = 120) -> None:
    """Join a gloo process group of ``world_size`` processes on 127.0.0.1:``port`` as ``rank``; a process that
    waits longer than ``timeout_s`` for the others fails instead of hanging the test run."""
    import torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world_size, timeout=timedelta(seconds=timeout_s))
