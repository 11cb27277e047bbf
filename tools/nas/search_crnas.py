"""CR-NAS search (Liang et al., ICLR 2020): stage supernet -> exhaustive allocation search -> operation
supernet -> greedy beam search over per-block dilations -> the architecture as a YAML file.

    python tools/nas/search_crnas.py CONFIG --work-dir DIR [--resume] [--cfg-options k=v ...]

CONFIG is an ordinary mmengine training config (an mmdet detector or an mmx classifier) whose backbone
is a ``CRResNetSupernet`` with ``dilation_choices=(1,)`` (the stage supernet), training with
``SPOSSampleHook``, plus a ``nas`` dict::

    nas = dict(
        budget=8,               # N: blocks of every searched allocation
        beam=3,                 # K of Algorithm 1
        dilation_choices=(1, 2, 3),
        score='loss',           # or 'metric' (then metric_key, e.g. 'coco/bbox_mAP')
        metric_key=None,
        num_batches=8,          # held-out mini-batches a candidate is scored on
        seed=0,
        op_train_cfg=dict(type='IterBasedTrainLoop', max_iters=200),  # operation supernet training
    )
    search_dataloader = dict(...)  # the held-out split (archval); defaults to val_dataloader

Writes into DIR: ``stage_supernet/`` and ``op_supernet/`` (mmengine work dirs with checkpoints),
``search_state.json`` (every score, rewritten after each candidate), ``crnas_arch.yaml`` (the result,
for ``CRResNet(arch=...)``) and ``crnas_arch_weights.pth`` (the chosen path's backbone weights under
CRResNet's names). ``--resume`` continues an interrupted run: supernet training from its last checkpoint,
the searches from the state file.
"""
import argparse
import copy
import os
import os.path as osp
import sys

import torch
from mmengine.config import Config, DictAction
from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmx.nas import dump_arch  # noqa: E402
from mmx.nas.searchers import (ArchScorer, SearchState, get_supernet, search_dilations,  # noqa: E402
                               search_stage_allocation)

NAS_DEFAULTS = dict(budget=None, beam=3, dilation_choices=(1, 2, 3), score='loss', metric_key=None,
                    num_batches=None, seed=0, op_train_cfg=None)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='CR-NAS search (stage, then dilation)')
    parser.add_argument('config', help='training config with a CRResNetSupernet backbone and `nas`')
    parser.add_argument('--work-dir', required=True, help='where supernets, state and result go')
    parser.add_argument('--resume', action='store_true', help='continue an interrupted search')
    parser.add_argument('--no-progress', action='store_true', help='no progress bars')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    return parser.parse_args(argv)


def load_search_config(path: str, cfg_options=None) -> Config:
    """Read the config and check what the search needs from it."""
    cfg = Config.fromfile(path)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    backbone = cfg.get('model', {}).get('backbone', {})
    if 'CRResNetSupernet' not in str(backbone.get('type', '')):
        raise ValueError(f'{path}: model.backbone must be a CRResNetSupernet, got {backbone.get("type")!r}')
    nas = dict(NAS_DEFAULTS, **cfg.get('nas', {}))
    unknown = set(nas) - set(NAS_DEFAULTS)
    if unknown:
        raise ValueError(f'{path}: unknown nas key(s) {sorted(unknown)}; known: {sorted(NAS_DEFAULTS)}')
    if not nas['budget']:
        raise ValueError(f'{path}: nas.budget (the total block count N) is required')
    if tuple(backbone.get('dilation_choices', ())) != (1, ):
        raise ValueError(f'{path}: the stage supernet needs dilation_choices=(1,) (dilations are '
                         'searched by the operation supernet)')
    cfg.nas = nas
    return cfg


def build_runner(cfg: Config, work_dir: str, resume: bool) -> Runner:
    cfg = copy.deepcopy(cfg)
    cfg.work_dir = work_dir
    cfg.resume = resume and osp.isfile(osp.join(work_dir, 'last_checkpoint'))
    if cfg.resume:
        cfg.load_from = None
    cfg.pop('nas', None)
    cfg.pop('search_dataloader', None)
    # no validation of the random path that happens to be set when supernet training ends
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_dataloader = cfg.test_cfg = cfg.test_evaluator = None
    return Runner.from_cfg(cfg)


def make_scorer(runner: Runner, cfg: Config) -> ArchScorer:
    nas = cfg.nas
    loader = runner.build_dataloader(cfg.get('search_dataloader') or cfg.val_dataloader)
    evaluator = runner.build_evaluator(cfg.val_evaluator) if nas['score'] == 'metric' else None
    return ArchScorer(runner.model, loader, score=nas['score'], evaluator=evaluator,
                      metric_key=nas['metric_key'], num_batches=nas['num_batches'])


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = load_search_config(args.config, args.cfg_options)
    nas = cfg.nas
    os.makedirs(args.work_dir, exist_ok=True)
    state = SearchState(osp.join(args.work_dir, 'search_state.json'), resume=args.resume)
    progress = not args.no_progress

    # 1. stage supernet and exhaustive allocation search
    runner = build_runner(cfg, osp.join(args.work_dir, 'stage_supernet'), args.resume)
    runner.train()
    tau, stage_scores = search_stage_allocation(make_scorer(runner, cfg), nas['budget'], state, progress)
    state.data['stage_best'] = list(tau)
    state.save()
    runner.logger.info(f'CR-NAS stage search: best allocation {tau} (score {stage_scores[",".join(map(str, tau))]:.4f})')

    # 2. operation supernet on tau, initialised with the stage supernet's tau path
    op_cfg = copy.deepcopy(cfg)
    op_cfg.model.backbone.update(stage_options=[[n] for n in tau], budget=None,
                                 dilation_choices=tuple(nas['dilation_choices']))
    if nas['op_train_cfg']:
        op_cfg.train_cfg = nas['op_train_cfg']
    op_dir = osp.join(args.work_dir, 'op_supernet')
    os.makedirs(op_dir, exist_ok=True)
    init_path = osp.join(op_dir, 'init_from_stage_supernet.pth')
    stage_net = get_supernet(runner.model)
    path_state = stage_net.path_state_dict(dict(stage_blocks=tau))
    model_state = {k: v for k, v in runner.model.state_dict().items() if not k.startswith('backbone.')}
    model_state.update({'backbone.' + k: v for k, v in path_state.items()})
    torch.save(dict(state_dict=model_state), init_path)
    op_cfg.load_from = init_path
    runner = build_runner(op_cfg, op_dir, args.resume)
    runner.train()

    # 3. greedy beam search over the dilations
    arch, search = search_dilations(make_scorer(runner, op_cfg), tau, nas['beam'], nas['seed'], state,
                                    progress)
    result = dict(family='cr_resnet', block=stage_net.block_type,
                  source=f'searched by mmx with tools/nas/search_crnas.py {args.config}',
                  stage_blocks=list(arch['stage_blocks']), dilations=arch['dilations'],
                  stage_score=stage_scores[','.join(map(str, tau))], beam_score=search.scores[0],
                  score=nas['score'] if nas['score'] == 'loss' else nas['metric_key'])
    dump_arch(result, osp.join(args.work_dir, 'crnas_arch.yaml'))
    op_net = get_supernet(runner.model)
    torch.save(op_net.path_state_dict(arch), osp.join(args.work_dir, 'crnas_arch_weights.pth'))
    runner.logger.info(f'CR-NAS result: {result}')
    return result


if __name__ == '__main__':
    main()
