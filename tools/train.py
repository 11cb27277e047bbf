"""Train a model from an mmx (or any mmdet/mmaction2/mmengine) config.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp] [--cfg-options k=v ...]
    mim train mmx CONFIG ...          # the same script, found in the installed package
    bash tools/dist_train.sh CONFIG GPUS [args]
"""
import argparse
import os


def parse_args(argv=None) -> argparse.Namespace:
    # Imports stay inside functions: `mim train` runs `train.py -h` first, which should be instant.
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Train a model with mmengine\'s Runner')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the directory to save logs and checkpoints '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from the given checkpoint, or, without a value, from the latest checkpoint in the '
        'work directory')
    parser.add_argument('--amp', action='store_true', help='enable automatic mixed precision training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate by the actual batch size (auto_scale_lr in config)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. train_cfg.max_iters=10 '
        'optim_wrapper.optimizer.lr=0.01; lists as key="[a,b]", nested as key="[(a,b),(c,d)]"')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or --local_rank (older): accept both.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_config(args: argparse.Namespace):
    """Load the config and apply the command-line options, the way mmdet's train.py does."""
    from mmx.utils.runner import load_run_config
    cfg = load_run_config(args.config, args.launcher, args.work_dir, args.cfg_options)
    if args.amp:
        optim_type = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if optim_type == 'AmpOptimWrapper':
            print('AMP is already enabled in the config')
        elif optim_type != 'OptimWrapper':
            raise ValueError(f'--amp only converts OptimWrapper to AmpOptimWrapper; the config uses '
                             f'{optim_type}: enable AMP in the config instead')
        else:
            import torch
            if not torch.cuda.is_available():
                # mmengine's AmpOptimWrapper asserts an accelerator; say so before building anything.
                raise ValueError('--amp needs a CUDA device: mmengine\'s AmpOptimWrapper has no CPU mode')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise ValueError('--auto-scale-lr needs `auto_scale_lr = dict(enable=..., base_batch_size=...)` '
                             'in the config')
        cfg.auto_scale_lr.enable = True
    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    import mmx  # noqa: F401  compatibility fixes and registration, also for configs without custom_imports
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    cfg = build_config(args)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    runner.train()


if __name__ == '__main__':
    main()
