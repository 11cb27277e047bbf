"""The architecture file: a small YAML mapping that the searchers write and the fixed backbones read.

Example (CR-NAS)::

    family: cr_resnet
    source: searched by mmx on toy-lvis (tools/nas/search_crnas.py ...)
    block: bottleneck
    stage_blocks: [2, 3, 7, 4]
    dilations: [[1, 1], [1, 1, 1], [1, 1, 2, 1, 3, 1, 2], [2, 3, 3, 1]]

Example (PC-NAS)::

    family: pcnas
    source: searched by mmx on digits (...)
    ops: [k3e6, skip, k5e3, ...]
"""
import os.path as osp
from typing import Any, Dict

import yaml

__all__ = ['load_arch', 'dump_arch']

FAMILIES = {
    'cr_resnet': ('stage_blocks', ),
    'cr_mobilenet_v2': ('stage_blocks', ),
    'pcnas': ('ops', ),
}


def load_arch(path: str) -> Dict[str, Any]:
    """Read an architecture YAML file (``yaml.safe_load``: no code runs).

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: if it is not a mapping with a known ``family`` and that family's keys.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'architecture file {path!r} does not exist')
    with open(path) as f:
        try:
            arch = yaml.safe_load(f)
        except yaml.YAMLError as err:
            raise ValueError(f'architecture file {path!r} is not valid YAML: {err}') from err
    if not isinstance(arch, dict) or arch.get('family') not in FAMILIES:
        raise ValueError(f'architecture file {path!r} must be a mapping with family one of '
                         f'{sorted(FAMILIES)}, got {arch!r:.200}')
    missing = [k for k in FAMILIES[arch['family']] if k not in arch]
    if missing:
        raise ValueError(f'architecture file {path!r} lacks the key(s) {missing}')
    return arch


def dump_arch(arch: Dict[str, Any], path: str) -> None:
    """Write ``arch`` (a mapping with ``family`` and that family's keys) as YAML to ``path``."""
    if not isinstance(arch, dict) or arch.get('family') not in FAMILIES:
        raise ValueError(f'arch must be a mapping with family one of {sorted(FAMILIES)}, got {arch!r}')
    with open(path, 'w') as f:
        yaml.safe_dump(arch, f, sort_keys=False, default_flow_style=None)
