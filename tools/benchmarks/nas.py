"""The miniature CR-NAS / PC-NAS benchmark on scikit-learn's digits (32x32 upscaled).

    python tools/benchmarks/nas.py            # full miniature (about 35 min on 2 busy cores)
    python tools/benchmarks/nas.py --quick    # shorter trainings, fewer random architectures
    python tools/benchmarks/nas.py --task cluttered-digits   # the harder task (the *_cluttered-digits.py configs)

``--task cluttered-digits`` runs everything below with the ``*_cluttered-digits.py`` search configs: each digit
upscaled 3x at a random place on a 32x32 canvas among fragments of other digits (plain digits saturate near
98% top-1, where architectures of one budget differ by one or two test images).

1. CR-NAS: ``tools/nas/search_crnas.py configs/crnas/crnas-search_r18-basic-w8_digits.py`` (ResNet-18
   budget, N = 8 BasicBlocks, 8 base channels); then the searched net, the default allocation (2,2,2,2)
   without dilation, and random architectures of the same budget (uniform allocation of 8 blocks,
   uniform dilations) are trained stand-alone from scratch with one recipe and tested on the digits test
   split (never seen by the search): top-1 (%), conv MACs, CPU latency (batch 1, median).
2. PC-NAS: ``tools/nas/search_pcnas.py configs/pcnas/pcnas-search_w8_digits.py`` (8 MBConv layers, pool
   3, latency limit 40% of the way from the fastest to the slowest architecture, table measured here);
   the searched net and random architectures within the same limit trained stand-alone the same way.
3. Posterior fading: the same PC-NAS run with ``shrink=False`` (uniform training of the whole space to
   the end, the pool still computed); the supernet scores (minus the archval loss, batch statistics) of
   the PC-NAS random architectures plus the searched one against their stand-alone test top-1, as
   Kendall's tau, for the supernet trained with pool shrinking and without.

Prints a table and, last, one JSON line::

    {"crnas_searched": .., "crnas_default": .., "crnas_random_median": .., "pcnas_searched": ..,
     "pcnas_random_median": .., "kendall_tau_pool": .., "kendall_tau_nopool": .., ...}

and draws ``--plot`` (search curves; population on the latency/accuracy plane).
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import random
import statistics
import sys
from typing import Dict, List, Optional

import torch
from mmengine.config import Config
from mmengine.runner import Runner, load_checkpoint

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmx.nas import CRResNet, LatencyLUT, PCNASNet, conv_macs, stage_allocations  # noqa: E402
from mmx.nas.latency import time_module  # noqa: E402
from mmx.nas.searchers import ArchScorer  # noqa: E402

# the two searches' configs per task: plain digits, or cluttered translated digits (harder: no ~98% ceiling)
TASKS = {
    'digits': (osp.join(ROOT, 'configs/crnas/crnas-search_r18-basic-w8_digits.py'),
               osp.join(ROOT, 'configs/pcnas/pcnas-search_w8_digits.py')),
    'cluttered-digits': (osp.join(ROOT, 'configs/crnas/crnas-search_r18-basic-w8_cluttered-digits.py'),
                         osp.join(ROOT, 'configs/pcnas/pcnas-search_w8_cluttered-digits.py')),
}
FULL = dict(cr_iters=600, cr_op_iters=300, pc_warmup=300, pc_interval=60, train_iters=600, randoms=6)
QUICK = dict(cr_iters=150, cr_op_iters=80, pc_warmup=60, pc_interval=15, train_iters=150, randoms=3)


def _tool(name):
    spec = importlib.util.spec_from_file_location(name, osp.join(ROOT, 'tools/nas', name + '.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train_standalone(search_config: str, backbone: dict, iters: int, work_dir: str, seed: int = 0) -> float:
    """Train a fixed backbone with the search config's recipe on archtrain; top-1 (%) on the test split."""
    cfg = Config.fromfile(search_config)
    cfg.model.backbone = backbone
    cfg.custom_hooks = []
    cfg.pop('nas', None)
    cfg.pop('search_dataloader', None)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=iters, val_interval=10**9)
    cfg.param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, end=iters)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**9)
    cfg.val_dataloader.dataset.split = 'test'
    cfg.work_dir = work_dir
    cfg.randomness = dict(seed=seed)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    return float(runner.val()['accuracy/top1'])


def cpu_latency(net: torch.nn.Module, shape) -> float:
    net.eval()
    return time_module(net, torch.rand(1, *shape), repeats=30, warmup=5)


def kendall_tau(a: List[float], b: List[float]) -> float:
    from scipy.stats import kendalltau
    return float(kendalltau(a, b).statistic)


def supernet_scores(config: str, ckpt: str, archs: List[tuple], overrides: Dict) -> List[float]:
    """Minus the archval loss of every architecture on the supernet of a finished PC-NAS run."""
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(overrides)
    from mmx.registry import MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmx'):
        model = MODELS.build(cfg.model)
        load_checkpoint(model, ckpt, map_location='cpu', logger='silent')
        loader = Runner.build_dataloader(cfg.search_dataloader)
        scorer = ArchScorer(model, loader, score='loss')
        return [scorer.score([arch] * len(scorer)) for arch in archs]


def run(args) -> dict:
    p = QUICK if args.quick else FULL
    cr_config, pc_config = TASKS[args.task]
    work = args.work_dir
    os.makedirs(work, exist_ok=True)
    rng = random.Random(0)
    rows = []

    # 1. CR-NAS
    cr = _tool('search_crnas').main([
        cr_config, '--work-dir', osp.join(work, 'crnas_search'), '--resume', '--cfg-options',
        f'train_cfg.max_iters={p["cr_iters"]}', f'param_scheduler.0.end={p["cr_iters"]}',
        f'nas.op_train_cfg.max_iters={p["cr_op_iters"]}'])
    cr_cfg = Config.fromfile(cr_config)
    base = dict(type='CRResNet', block='basic', in_channels=1, base_channels=cr_cfg.base_channels,
                out_indices=(3, ), norm_eval=False)
    cr_archs = {'searched': (tuple(cr['stage_blocks']), cr['dilations']),
                'default': ((2, 2, 2, 2), [[1, 1]] * 4)}
    allocs = stage_allocations(8, cr_cfg.stage_options)
    for i in range(p['randoms']):
        tau = rng.choice(allocs)
        cr_archs[f'random{i}'] = (tau, [[rng.choice((1, 2, 3)) for _ in range(n)] for n in tau])
    cr_acc = {}
    for name, (tau, dils) in cr_archs.items():
        bb = dict(base, stage_blocks=tau, block_dilations=dils)
        cr_acc[name] = train_standalone(cr_config, bb, p['train_iters'], osp.join(work, f'crnas_{name}'))
        net = CRResNet(**{k: v for k, v in bb.items() if k != 'type'})
        rows.append(('CR-NAS', name, f'{tau} {dils}', cr_acc[name], conv_macs(net, (1, 32, 32)) / 1e6,
                     cpu_latency(net, (1, 32, 32))))
        print(rows[-1], flush=True)

    # 2. PC-NAS, with and without pool shrinking
    search_pcnas = _tool('search_pcnas')
    lut_path = osp.join(work, 'pcnas_lut_cpu.json')
    max_iters = p['pc_warmup'] + 8 * p['pc_interval']
    common = [f'custom_hooks.0.lut={lut_path}', f'custom_hooks.0.warmup_iters={p["pc_warmup"]}',
              f'custom_hooks.0.interval_iters={p["pc_interval"]}', f'train_cfg.max_iters={max_iters}',
              f'param_scheduler.0.end={max_iters}', f'default_hooks.checkpoint.interval={max_iters}']
    runs = {}
    for shrink in (True, False):
        name = 'pool' if shrink else 'nopool'
        runs[name] = search_pcnas.main([pc_config, '--work-dir', osp.join(work, f'pcnas_{name}'), '--resume',
                                        '--cfg-options', *common, f'custom_hooks.0.shrink={shrink}'])
    pc = runs['pool']
    lut = LatencyLUT.load(lut_path)
    limit = pc['latency_limit_ms']
    pc_cfg = Config.fromfile(pc_config)
    bb = dict(type='PCNASNet', stages=pc_cfg.stages, in_channels=1, stem_channels=16, first_channels=16,
              last_channels=128, out_indices=(3, ))
    choices = [list(row) for row in lut.table]
    pc_archs = {'searched': tuple(pc['ops'])}
    for i in range(p['randoms']):
        pc_archs[f'random{i}'] = lut.sample_completion((), limit, rng, choices)
    pc_acc = {}
    for name, ops in pc_archs.items():
        pc_acc[name] = train_standalone(pc_config, dict(bb, ops=list(ops)), p['train_iters'],
                                        osp.join(work, f'pcnas_{name}'))
        net = PCNASNet(**{k: v for k, v in dict(bb, ops=list(ops)).items() if k != 'type'})
        rows.append(('PC-NAS', name, '-'.join(ops), pc_acc[name], conv_macs(net, (1, 32, 32)) / 1e6,
                     lut.latency(ops)))
        print(rows[-1], flush=True)

    # 3. Kendall tau between supernet scores and stand-alone accuracy
    names = list(pc_archs)
    taus, scores = {}, {}
    for run_name in ('pool', 'nopool'):
        ckpt = osp.join(work, f'pcnas_{run_name}', f'iter_{max_iters}.pth')
        scores[run_name] = supernet_scores(pc_config, ckpt, [pc_archs[n] for n in names], {})
        taus[run_name] = kendall_tau(scores[run_name], [pc_acc[n] for n in names])

    randoms_cr = [cr_acc[n] for n in cr_acc if n.startswith('random')]
    randoms_pc = [pc_acc[n] for n in pc_acc if n.startswith('random')]
    summary = dict(
        crnas_searched=cr_acc['searched'], crnas_default=cr_acc['default'],
        crnas_random_median=statistics.median(randoms_cr), pcnas_searched=pc_acc['searched'],
        pcnas_random_median=statistics.median(randoms_pc), kendall_tau_pool=taus['pool'],
        kendall_tau_nopool=taus['nopool'], crnas_arch=dict(stage_blocks=cr['stage_blocks'],
                                                           dilations=cr['dilations']),
        pcnas_arch=pc['ops'], pcnas_latency_ms=pc['latency_ms'], pcnas_latency_limit_ms=limit,
        train_iters=p['train_iters'], randoms=p['randoms'], quick=bool(args.quick), task=args.task,
        # the pairs behind the two taus, in the order of pcnas_archs (searched first)
        pcnas_archs=names, pcnas_standalone=[pc_acc[n] for n in names],
        supernet_scores={k: [round(v, 4) for v in vs] for k, vs in scores.items()})
    if args.plot:
        plot(args.plot, pc, runs['nopool'], rows, limit, osp.join(work, 'crnas_search', 'search_state.json'))
    print('\n| search | arch | architecture | test top-1 (%) | conv MMACs | latency (ms) |')
    print('|---|---|---|---|---|---|')
    for r in rows:
        print(f'| {r[0]} | {r[1]} | {r[2]} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.3f} |')
    print(f'Kendall tau (supernet score vs stand-alone top-1, {len(names)} PC-NAS archs): '
          f'pool {taus["pool"]:.3f}, no pool {taus["nopool"]:.3f}')
    print(json.dumps(summary))
    return summary


def plot(path: str, pool_run: dict, nopool_run: dict, rows, limit: float, cr_state: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for run, label in ((pool_run, 'pool shrinking'), (nopool_run, 'no shrinking')):
        it, score = zip(*run['curve'])
        axes[0].plot(it, score, marker='o', label=label)
    axes[0].set(xlabel='training iteration', ylabel='best pool score (archval top-1, %)',
                title='PC-NAS search curve')
    axes[0].legend()
    with open(cr_state) as f:
        beam = json.load(f)['beam']['history']
    axes[1].plot(range(1, len(beam) + 1), [max(s for _, s in step) for step in beam], marker='o')
    axes[1].set(xlabel='blocks decided', ylabel='best candidate score (archval top-1, %)',
                title='CR-NAS dilation beam search')
    for kind, marker in (('random', 'o'), ('searched', '*')):
        pts = [(r[5], r[3]) for r in rows if r[0] == 'PC-NAS' and r[1].startswith(kind)]
        axes[2].scatter(*zip(*pts), marker=marker, s=150 if kind == 'searched' else 40, label=kind)
    axes[2].axvline(limit, color='grey', linestyle='--', label='latency limit')
    axes[2].set(xlabel='table latency (ms, this CPU)', ylabel='stand-alone test top-1 (%)',
                title='PC-NAS population')
    axes[2].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='miniature CR-NAS / PC-NAS benchmark on digits')
    parser.add_argument('--quick', action='store_true')
    parser.add_argument('--task', choices=sorted(TASKS), default='digits',
                        help='plain digits (default) or cluttered translated digits (DigitsDataset canvas/clutter)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs/benchmark_nas'))
    parser.add_argument('--plot', default=None, help='PNG path of the figure')
    args = parser.parse_args(argv)
    if args.work_dir == osp.join(ROOT, 'work_dirs/benchmark_nas'):
        # the searches resume from their work dirs: a task or length of its own never resumes another's
        args.work_dir += ('_quick' if args.quick else '') + ('' if args.task == 'digits' else f'_{args.task}')
    return args


def main(argv: Optional[List[str]] = None) -> dict:
    return run(parse_args(argv))


if __name__ == '__main__':
    main()
