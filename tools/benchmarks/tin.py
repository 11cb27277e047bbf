"""The miniature TIN benchmark: TSN vs TSM vs TIN (and TRN) on the toy direction-of-motion clips.

    python tools/benchmarks/tin.py                  # 4 epochs per model (about 25 minutes on 2 CPU cores)
    python tools/benchmarks/tin.py --quick          # 1 epoch per model, fewer timing repeats (about 6 minutes)
    python tools/benchmarks/tin.py --multilabel     # also the multi-label toy clips (mAP), as for MMiT

Trains the toy configs ``configs/tin/{tsn,tsm,tin,trn}_r18_1x1x8_12e_toy-video.py`` (ResNet-18 from scratch,
8 segments of 32 x 32 pixels) with the same schedule (the configs' AdamW learning rate, warm-up and cosine
decay over ``--epochs`` epochs of 50 iterations; TIN's config gives its offset and weight nets 10x the learning
rate), data and seed, then evaluates each on the toy validation clips. The label is the
direction of motion, which the set of frames does not reveal: TSN should stay near chance (50%), the
temporal models should learn it (the --quick run's single epoch is mostly warm-up: a smoke test, not the
claim). Then it times, in this process and interleaved so that a busy machine
slows both sides alike:

* one training step (forward, loss, backward, SGD step) of the toy TIN model and of the toy TSM model on
  the same batch: ``tin_vs_tsm_step_ratio`` = median TIN step / median TSM step;
* forward + backward of :func:`mmx.action.ops.temporal_interlace` and of the per-frame reference
  :func:`mmx.action.ops.naive_temporal_interlace` on the interlaced part of the toy TIN's first block:
  ``op_vs_naive_speedup`` = median reference time / median op time; on a CUDA machine with mmcv's ops, also
  ``op_vs_mmcv_speedup`` against mmaction2's sampler built on ``mmcv.ops.tin_shift``.

It shows progress bars, prints a table and, as its last line, one JSON object::

    {"tsn_top1": .., "tsm_top1": .., "tin_top1": .., "trn_top1": .., "tin_vs_tsm_step_ratio": ..,
     "op_vs_naive_speedup": .., ...}

(top-1 in %, and with --multilabel also ``{model}_mAP``, the per-clip mAP in %).
"""
import argparse
import json
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# the EQL benchmark's progress bars (training iterations, then validation batches), shared
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from eql import ProgressHook  # noqa: E402

MODELS = ('tsn', 'tsm', 'tin', 'trn', 'slowfast')
DEFAULT_MODELS = ('tsn', 'tsm', 'tin', 'trn')
TASKS = {'motion': '', 'motion-multilabel': '-multilabel'}
FULL_EPOCHS = 4
QUICK_EPOCHS = 1
WARMUP_ITERS = 5  # training iterations left out of the loop's median step time


def config_path(model: str, task: str = 'motion') -> str:
    stem = 'slowfast_r18_16x1x1' if model == 'slowfast' else f'{model}_r18_1x1x8'
    return osp.join(ROOT, 'configs', 'tin', f'{stem}_12e_toy-video{TASKS[task]}.py')


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='TSN vs TSM vs TIN (vs TRN) on the toy motion clips.')
    parser.add_argument('--quick', action='store_true',
                        help=f'{QUICK_EPOCHS} epochs per model instead of {FULL_EPOCHS}, fewer timing repeats')
    parser.add_argument('--epochs', type=int, help='epochs per model (overrides --quick)')
    parser.add_argument('--models', nargs='+', choices=MODELS, default=list(DEFAULT_MODELS),
                        help=f'models to train (default: {" ".join(DEFAULT_MODELS)})')
    parser.add_argument('--multilabel', action='store_true',
                        help='also train every model on the multi-label toy clips and report mAP')
    parser.add_argument('--seed', type=int, default=0, help='training seed (default: 0)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_tin'))
    parser.add_argument('--data', default=osp.join(ROOT, 'data'),
                        help='folder of the toy video sets toy_video/ and toy_video_ml/ (generated if missing)')
    parser.add_argument('--skip-training', action='store_true', help='only the speed measurements')
    return parser.parse_args(argv)


def benchmark_cfg(model: str, task: str, epochs: int, seed: int, work_dir: str, data_dir: str):
    """The config of one run: the toy config with the benchmark's epochs, seed, data and work dir."""
    from mmengine.config import Config

    cfg = Config.fromfile(config_path(model, task))
    name = f'{model}{TASKS[task]}'
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'benchmark_tin_{name}'
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    cfg.train_cfg.max_epochs = epochs
    # the validation runs once, explicitly, after training (mmengine validates after the last epoch otherwise)
    cfg.train_cfg.update(val_interval=epochs + 1, val_begin=epochs + 1)
    warmup, cosine = cfg.param_scheduler
    cosine.update(T_max=max(epochs - warmup.end, 1), end=epochs)
    if epochs <= warmup.end:  # nothing left to decay
        cfg.param_scheduler = [warmup]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs, max_keep_ckpts=1)
    data_root = osp.join(data_dir, 'toy_video' if task == 'motion' else 'toy_video_ml')
    for key, split in (('train_dataloader', 'train'), ('val_dataloader', 'val'), ('test_dataloader', 'val')):
        cfg[key].dataset.ann_file = osp.join(data_root, f'{split}_rawframes.txt')
        cfg[key].dataset.data_prefix = dict(img=osp.join(data_root, 'rawframes'))
    return cfg


def run_one(cfg, name: str) -> Dict[str, float]:
    """Train and evaluate one model; return its metrics (in %) and its median iteration time (s)."""
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    with DefaultScope.overwrite_default_scope('mmaction'):
        runner = Runner.from_cfg(cfg)
        runner.register_hook(ProgressHook(name), priority='VERY_LOW')
        runner.train()
        times = runner.message_hub.get_scalar('train/time').data[0]
        metrics = runner.val_loop.run()
    result = {key.split('/')[-1]: 100 * float(value) for key, value in metrics.items() if key.startswith('acc/')}
    result['step_time'] = statistics.median(times[WARMUP_ITERS:] if len(times) > 2 * WARMUP_ITERS else times)
    return result


def interleaved_medians(fns: Dict[str, Callable[[], None]], repeats: int, warmup: int = 2) -> Dict[str, float]:
    """Median wall time of each function, calling them in turn ``repeats`` times (after ``warmup`` rounds)."""
    import torch

    times = {name: [] for name in fns}
    for i in range(warmup + repeats):
        for name, fn in fns.items():
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            start = time.perf_counter()
            fn()
            if torch.cuda.is_available():
                torch.cuda.synchronize()
            if i >= warmup:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def step_time_ratio(repeats: int, batch_size: int = 8, seed: int = 0) -> Dict[str, float]:
    """Median training step of the toy TIN and TSM models on the same random batch, interleaved."""
    import torch
    from mmaction.registry import MODELS as MMACTION_MODELS
    from mmaction.structures import ActionDataSample
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    from mmengine.logging import MMLogger

    MMLogger.get_instance('benchmark_tin', log_level='WARNING')  # init_weights reports every parameter at INFO
    torch.manual_seed(seed)
    steps = {}
    for model in ('tsm', 'tin'):
        cfg = Config.fromfile(config_path(model))
        with DefaultScope.overwrite_default_scope('mmaction'):
            recognizer = MMACTION_MODELS.build(cfg.model)
        recognizer.init_weights()
        recognizer.train()
        optimizer = torch.optim.SGD(recognizer.parameters(), lr=1e-3, momentum=0.9)
        num_segments, size = cfg.num_segments, cfg.crop_size
        inputs = torch.randn(batch_size, num_segments, 3, size, size)
        samples = [ActionDataSample().set_gt_label(i % cfg.num_classes) for i in range(batch_size)]

        def step(recognizer=recognizer, optimizer=optimizer, inputs=inputs, samples=samples):
            losses = recognizer(inputs, samples, mode='loss')
            sum(v for k, v in losses.items() if 'loss' in k).backward()
            optimizer.step()
            optimizer.zero_grad()

        steps[model] = step
    medians = interleaved_medians(steps, repeats)
    return dict(tsm_step=medians['tsm'], tin_step=medians['tin'], ratio=medians['tin'] / medians['tsm'])


def op_speed(repeats: int, seed: int = 0) -> Dict[str, float]:
    """Forward + backward of the interlace op vs the per-frame reference (and mmcv's tin_shift on CUDA), on
    the interlaced quarter of the toy TIN's first block: 8 clips x 8 frames x 16 channels x 8 x 8."""
    import torch

    from mmx.action.ops import naive_temporal_interlace, temporal_interlace

    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(8, 8, 16, 64, generator=gen).to(device).requires_grad_()
    offset = ((torch.rand(8, 4, generator=gen) * 4 - 2)).to(device).requires_grad_()
    weight = (torch.rand(8, 8, 4, generator=gen) * 2).to(device).requires_grad_()

    def fwd_bwd(fn):
        def run():
            out = fn(x, offset, weight)
            out.backward(torch.ones_like(out))
        return run

    fns = {'op': fwd_bwd(temporal_interlace), 'naive': fwd_bwd(naive_temporal_interlace)}
    mmcv_sampler = _mmcv_sampler() if device == 'cuda' else None
    if mmcv_sampler is not None:
        fns['mmcv'] = fwd_bwd(mmcv_sampler)
    medians = interleaved_medians(fns, repeats)
    result = dict(device=device, op=medians['op'], naive=medians['naive'], speedup=medians['naive'] / medians['op'])
    if 'mmcv' in medians:
        result.update(mmcv=medians['mmcv'], mmcv_speedup=medians['mmcv'] / medians['op'])
    return result


def _mmcv_sampler() -> Optional[Callable]:
    """mmaction2's interlace (its linear_sampler on mmcv.ops.tin_shift, weights applied after) as a function of
    (x, offset, weight) like ours, or None if mmcv has no CUDA tin_shift here."""
    try:
        from mmaction.models.backbones.resnet_tin import linear_sampler
        from mmcv.ops import tin_shift  # noqa: F401
    except ImportError:
        return None

    def sampler(x, offset, weight):
        n, t, c, hw = x.shape
        out = linear_sampler(x.view(n, t, c, hw, 1), offset).view(n, t, offset.shape[1], -1)
        return (out * weight[..., None]).view(n, t, c, hw)

    return sampler


def summarise(results: Dict[str, Dict[str, float]], step: Optional[dict], op: Optional[dict], run: str) -> dict:
    """Print the table and, as the last line, the JSON summary."""
    summary = {}
    if results:
        print(f'\nToy direction-of-motion clips, {run}: validation top-1 (%), chance 50')
        print(f'{"model":<22}{"top-1":>8}{"mAP":>8}{"step (s)":>10}')
        for name, result in results.items():
            model, multilabel = name.split('-')[0], name.endswith('-multilabel')
            if multilabel:
                value = result.get('mmit_mean_average_precision', float('nan'))
                summary[f'{model}_mAP'] = round(value, 2)
                print(f'{name:<22}{"-":>8}{value:>8.2f}{result["step_time"]:>10.3f}')
            else:
                summary[f'{model}_top1'] = round(result['top1'], 2)
                print(f'{name:<22}{result["top1"]:>8.2f}{"-":>8}{result["step_time"]:>10.3f}')
        if 'tin' in results and 'tsm' in results:
            summary['tin_vs_tsm_loop_step_ratio'] = round(results['tin']['step_time'] / results['tsm']['step_time'],
                                                          3)
    if step is not None:
        print(f'training step, interleaved: TIN {step["tin_step"]:.3f} s, TSM {step["tsm_step"]:.3f} s, '
              f'ratio {step["ratio"]:.3f}')
        summary['tin_vs_tsm_step_ratio'] = round(step['ratio'], 3)
    if op is not None:
        print(f'interlace op forward + backward on {op["device"]}: {1e3 * op["op"]:.2f} ms, per-frame reference '
              f'{1e3 * op["naive"]:.2f} ms, speed-up {op["speedup"]:.1f}x')
        summary['op_vs_naive_speedup'] = round(op['speedup'], 2)
        if 'mmcv_speedup' in op:
            print(f'mmaction2 sampler on mmcv.ops.tin_shift: {1e3 * op["mmcv"]:.2f} ms ({op["mmcv_speedup"]:.2f}x '
                  'ours)')
            summary['op_vs_mmcv_speedup'] = round(op['mmcv_speedup'], 2)
    print(json.dumps(summary))
    return summary


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import torch

    import mmx  # noqa: F401
    from mmx.action.datasets import generate_toy_video

    torch.set_num_threads(1)  # comparable step times on a shared machine; also what the README quotes
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    results = {}
    if not args.skip_training:
        tasks = ['motion'] + (['motion-multilabel'] if args.multilabel else [])
        for task in tasks:
            generate_toy_video(osp.join(args.data, 'toy_video' if task == 'motion' else 'toy_video_ml'), task=task)
            for model in args.models:
                name = f'{model}{TASKS[task]}'
                cfg = benchmark_cfg(model, task, epochs, args.seed, args.work_dir, args.data)
                results[name] = run_one(cfg, name)
    repeats = 10 if args.quick else 30
    step = step_time_ratio(repeats, seed=args.seed)
    op = op_speed(repeats, seed=args.seed)
    return summarise(results, step, op, f'ResNet-18, {epochs} epoch(s), seed {args.seed}')


if __name__ == '__main__':
    main()
