"""Measure the per-layer, per-op latency table of a PC-NAS supernet on this machine's device.

    python tools/nas/measure_latency.py CONFIG --out LUT.json [--input-shape 3 224 224] [--batch-size 1]
        [--device cpu|cuda] [--repeats 20] [--check 5]

CONFIG's ``model.backbone`` must be a ``PCNASSupernet``. Every op of every searchable layer is timed on
the input shape it sees in the network (median of ``--repeats`` runs after warm-up); the fixed layers are
the whole network on its first architecture minus that architecture's ops. ``--check N`` then times N random architectures end to
end and prints the table's estimate beside the measurement (the table's error).
"""
import argparse
import os.path as osp
import random
import sys

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmx.nas import measure_lut  # noqa: E402
from mmx.nas.latency import time_module  # noqa: E402
from mmx.registry import MODELS  # noqa: E402


def build_supernet(cfg: Config):
    backbone = dict(cfg.model.backbone)
    if 'PCNASSupernet' not in str(backbone.get('type')):
        raise ValueError(f'model.backbone must be a PCNASSupernet, got {backbone.get("type")!r}')
    backbone['type'] = 'mmx.PCNASSupernet'
    return MODELS.build(backbone)


def measure(cfg: Config, input_shape, batch_size=1, device='cpu', repeats=20, check=0, seed=0):
    """The table, and (estimate, measured) ms of ``check`` random architectures."""
    torch.manual_seed(seed)
    supernet = build_supernet(cfg)
    lut = measure_lut(supernet, input_shape, batch_size, repeats, device=device)
    rng = random.Random(seed)
    x = torch.rand(batch_size, *input_shape, device=device)
    pairs = []
    for _ in range(check):
        arch = supernet.sample_arch(rng)
        supernet.set_arch(arch)
        pairs.append((lut.latency(arch), time_module(supernet, x, repeats)))
    return lut, pairs


def main(argv=None):
    parser = argparse.ArgumentParser(description='measure a PC-NAS latency lookup table')
    parser.add_argument('config')
    parser.add_argument('--out', required=True, help='JSON file to write')
    parser.add_argument('--input-shape', type=int, nargs=3, default=None,
                        help='C H W of the input (default: the config\'s nas_input_shape)')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--check', type=int, default=5, help='random architectures timed end to end')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    shape = args.input_shape or cfg.get('nas_input_shape')
    if not shape:
        raise ValueError('give --input-shape or set nas_input_shape in the config')
    lut, pairs = measure(cfg, shape, args.batch_size, args.device, args.repeats, args.check)
    lut.dump(args.out)
    print(f'latency table of {len(lut)} layers written to {args.out} ({lut.meta})')
    for est, real in pairs:
        print(f'random architecture: table {est:.3f} ms, measured {real:.3f} ms '
              f'({100 * (est - real) / real:+.1f}%)')


if __name__ == '__main__':
    main()
