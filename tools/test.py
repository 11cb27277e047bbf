"""Evaluate a checkpoint with an mmx (or any mmdet/mmaction2/mmengine) config.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out results.pkl] [--cfg-options k=v ...]
    mim test mmx CONFIG --checkpoint CHECKPOINT ...
    bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [args]
"""
import argparse
import os
import os.path as osp


def parse_args(argv=None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Test (and evaluate) a model with mmengine\'s Runner')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file (a local path or a URL)')
    parser.add_argument('--work-dir', help='the directory to save the evaluation metrics and logs')
    parser.add_argument('--out', help='dump the raw predictions to this pickle file (*.pkl)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
                        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out must be a .pkl or .pickle file, got {args.out}')
    return args


def build_config(args: argparse.Namespace):
    from mmx.utils.runner import load_run_config
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = load_run_config(args.config, args.launcher, args.work_dir, args.cfg_options)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    return cfg


def main(argv=None) -> dict:
    args = parse_args(argv)
    import mmx  # noqa: F401  compatibility fixes (safe checkpoint loading) and registration
    from mmengine.evaluator import DumpResults
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    cfg = build_config(args)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
    if args.out is not None:
        runner.test_evaluator.metrics.append(DumpResults(out_file_path=args.out))
    return runner.test()


if __name__ == '__main__':
    main()
