"""PC-NAS search (Li et al., CVPR 2020): supernet training with a shrinking partial model pool under a
hard latency limit, writing the architecture as a YAML file.

    python tools/nas/search_pcnas.py CONFIG --work-dir DIR [--resume] [--cfg-options k=v ...]

CONFIG is an mmengine training config whose backbone is a ``PCNASSupernet`` and whose ``custom_hooks``
hold a ``PCNASPoolHook`` (see configs/pcnas/pcnas-search_w8_digits.py). If the hook's latency table does
not exist yet, it is measured first on this machine (``tools/nas/measure_latency.py`` with the config's
``nas_input_shape``, batch 1, on ``--device``). Writes ``DIR/pcnas_arch.yaml`` (for ``PCNASNet(arch=...)``)
and ``DIR/pcnas_arch_weights.pth``; ``--resume`` continues from the last checkpoint, pool included.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from measure_latency import measure  # noqa: E402

from mmx.nas import load_arch  # noqa: E402


def pool_hook_cfg(cfg: Config) -> dict:
    hooks = [h for h in cfg.get('custom_hooks', []) if 'PCNASPoolHook' in str(h.get('type'))]
    if len(hooks) != 1 or 'PCNASSupernet' not in str(cfg.model.get('backbone', {}).get('type')):
        raise ValueError('the config needs a PCNASSupernet backbone and one PCNASPoolHook in custom_hooks')
    return hooks[0]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description='PC-NAS search')
    parser.add_argument('config')
    parser.add_argument('--work-dir', required=True)
    parser.add_argument('--resume', action='store_true', help='continue from the last checkpoint')
    parser.add_argument('--device', default='cpu', help='device of the latency table, if measured')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    hook = pool_hook_cfg(cfg)
    if not osp.isfile(hook['lut']):
        shape = cfg.get('nas_input_shape')
        if not shape:
            raise ValueError(f'latency table {hook["lut"]!r} is missing and the config has no nas_input_shape')
        lut, _ = measure(cfg, shape, device=args.device)
        os.makedirs(osp.dirname(osp.abspath(hook['lut'])), exist_ok=True)
        lut.dump(hook['lut'])
        print(f'measured the latency table {hook["lut"]} on {lut.meta["device"]}')
    cfg.work_dir = args.work_dir
    cfg.resume = args.resume and osp.isfile(osp.join(args.work_dir, 'last_checkpoint'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    return load_arch(osp.join(args.work_dir, 'pcnas_arch.yaml'))


if __name__ == '__main__':
    main()
