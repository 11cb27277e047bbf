"""Plot what a trained TIN model learned: the temporal offsets and the per-frame weights of every block.

    python tools/analysis/tin_offsets.py CONFIG CHECKPOINT [--num-clips 32] [--out tin_offsets.png]
    python tools/analysis/tin_offsets.py configs/tin/tin_r18_1x1x8_12e_toy-video.py \\
        work_dirs/benchmark_tin/tin/epoch_6.pth --out work_dirs/tin_offsets.png

Runs the model on the first ``--num-clips`` clips of the config's validation set and records, in every
TemporalInterlace module (mmx's ResNetTemporalInterlace), the offsets (in frames, one per clip and group)
and the weights (per clip, frame and group). The figure has one row per block (layer1.0 at the top) and
three panels: the offsets of the G groups (median and the 10-90% range over the clips; the other G groups
use the opposite offsets), and, for each weight group, a heat map of the mean weight of every frame (1 =
unchanged, 0 = the frame is muted, 2 = amplified). ``--json`` also writes the numbers.
"""
import argparse
import json
import os.path as osp
from typing import Dict, List

import numpy as np


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot the learned offsets and weights of a TIN model.')
    parser.add_argument('config', help='a config whose backbone is ResNetTemporalInterlace')
    parser.add_argument('checkpoint', help='the trained weights')
    parser.add_argument('--num-clips', type=int, default=32, help='validation clips to run (default: 32)')
    parser.add_argument('--out', default='tin_offsets.png', help='the figure (default: tin_offsets.png)')
    parser.add_argument('--json', help='also write the per-block statistics to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
                        help='override config settings, e.g. val_dataloader.dataset.ann_file=...')
    return parser.parse_args(argv)


def record_interlace(model, batches) -> Dict[str, Dict[str, np.ndarray]]:
    """Run ``model.test_step`` on ``batches``; return, per TemporalInterlace module (by name), the offsets
    (clips, 2G) and weights (clips, T, 2G) it predicted."""
    import torch

    from mmx.action.backbones import TemporalInterlace

    records = {}
    modules = [(name, m) for name, m in model.named_modules() if isinstance(m, TemporalInterlace)]
    if not modules:
        raise ValueError('the model has no TemporalInterlace module (is its backbone ResNetTemporalInterlace?)')
    for name, module in modules:
        records[name] = dict(offset=[], weight=[])

        def predict(descriptor, module=module, store=records[name]):
            offset, weight = type(module).predict(module, descriptor)
            store['offset'].append(offset.detach().float().cpu())
            store['weight'].append(weight.detach().float().cpu())
            return offset, weight

        module.predict = predict
    try:
        with torch.no_grad():
            for batch in batches:
                model.test_step(batch)
    finally:
        for _, module in modules:
            del module.predict
    return {name: {k: torch.cat(v).numpy() for k, v in r.items()} for name, r in records.items()}


def block_statistics(records: Dict[str, Dict[str, np.ndarray]]) -> List[dict]:
    """Per block: the offsets' mean, median and 10/90% quantiles per group (first G groups) and the mean weight per
    frame and weight group."""
    rows = []
    for name, r in records.items():
        groups = r['offset'].shape[1] // 2
        offset = r['offset'][:, :groups]
        rows.append(dict(block=name.split('.conv1')[0].replace('backbone.', ''), offset_mean=offset.mean(0).tolist(),
                         offset_median=np.median(offset, axis=0).tolist(),
                         offset_q10=np.quantile(offset, 0.1, axis=0).tolist(),
                         offset_q90=np.quantile(offset, 0.9, axis=0).tolist(),
                         weight_mean=r['weight'][..., :groups].mean(0).T.tolist()))  # (G, T)
    return rows


def plot(rows: List[dict], out: str, title: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    groups = len(rows[0]['offset_mean'])
    frames = len(rows[0]['weight_mean'][0])
    y = np.arange(len(rows))
    fig, axes = plt.subplots(1, 1 + groups, figsize=(4.5 + 3 * groups, 0.45 * len(rows) + 2), sharey=True,
                             gridspec_kw=dict(width_ratios=[1.4] + [1] * groups))
    ax = axes[0]
    for g in range(groups):
        median = np.array([r['offset_median'][g] for r in rows])
        low = median - np.array([r['offset_q10'][g] for r in rows])
        high = np.array([r['offset_q90'][g] for r in rows]) - median
        ax.errorbar(median, y + (g - (groups - 1) / 2) * 0.2, xerr=[low, high], fmt='o', capsize=2,
                    label=f'group {g} (group {g + groups}: opposite)')
    ax.axvline(0, color='grey', lw=0.8)
    ax.axvline(0.5, color='grey', lw=0.8, ls=':')
    ax.set_xlim(-2.15, 2.15)  # the offsets' range is (-2, 2)
    ax.set_xlabel('offset (frames); dotted: the initial +0.5')
    ax.set_yticks(y, [r['block'] for r in rows])
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc='best', framealpha=0.8)
    ax.set_title('learned offsets (median, 10-90%)')
    for g in range(groups):
        image = axes[1 + g].imshow(np.array([r['weight_mean'][g] for r in rows]), aspect='auto', cmap='RdBu_r',
                                   vmin=0, vmax=2)
        axes[1 + g].set_xticks(range(frames))
        axes[1 + g].set_xlabel('frame')
        axes[1 + g].set_title(f'mean weight, group {g}')
    fig.colorbar(image, ax=axes[1:], fraction=0.05, label='weight (1 = unchanged)')
    fig.suptitle(title)
    fig.savefig(out, dpi=120, bbox_inches='tight')
    plt.close(fig)


def main(argv=None) -> List[dict]:
    args = parse_args(argv)
    import mmx  # noqa: F401
    from mmengine.config import Config, DictAction
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner, load_checkpoint

    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        action = DictAction(option_strings=[], dest='cfg_options')
        options = argparse.Namespace()
        action(None, options, args.cfg_options)
        cfg.merge_from_dict(options.cfg_options)
    if args.num_clips < 1:
        raise ValueError(f'--num-clips must be positive, got {args.num_clips}')
    cfg.val_dataloader.dataset.indices = args.num_clips
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmaction')):
        from mmaction.registry import MODELS
        model = MODELS.build(cfg.model)
        load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
        model.eval()
        loader = Runner.build_dataloader(cfg.val_dataloader)
        rows = block_statistics(record_interlace(model, loader))
    plot(rows, args.out, f'{osp.basename(args.config)}: {args.num_clips} validation clips')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(rows, f, indent=1)
    print(f'wrote {args.out}' + (f' and {args.json}' if args.json else ''))
    return rows


if __name__ == '__main__':
    main()
