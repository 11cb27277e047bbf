"""The miniature CAMP benchmark: matching quality on the toy compositional data, and evaluation speed.

    python tools/benchmarks/camp.py            # 12 epochs a model, 20 x 100 speed pairs (about 30 min on 2 busy cores)
    python tools/benchmarks/camp.py --quick    # 3 epochs a model, 5 x 20 speed pairs (a few minutes)

1. **Quality.** Generates the toy data (:func:`mmx.retrieval.generate_toy_retrieval`, seed 0) if absent, trains
   ``configs/camp/camp_bigru_gated-fusion_1xb32-12e_toy-retrieval.py`` (CAMP) and
   ``configs/camp/vse_bigru_mean-pool_1xb32-12e_toy-retrieval.py`` (the dual encoder) with the same data,
   seed and schedule, and evaluates both on the test split (100 images, 500 captions): R@1/5/10 both ways,
   rsum. Then CAMP in two stages: its shortlist head picks the top-k candidates of every query and CAMP
   re-ranks them, for several k (recall lost vs exhaustive, pairs scored).
2. **Speed** at the paper's sizes (36 x 2048 regions, 300-d words, 1024-d joint space, 8,590 words, random
   weights, random caption lengths of 9-20 tokens padded to 49): on I images x T captions,

   * *naive*: a Python loop over the pairs, each scored by the whole model the way the official module
     does (image encoder, bi-GRU, ``CAMPFusion.naive_pair_score`` on the 49 padded tokens);
   * *naive fusion*: the same loop on pre-encoded features (fusion only);
   * *chunked*: each image and caption encoded once, then :func:`exhaustive_scores` (blocks of pairs,
     one-side work hoisted, captions sorted by length and trimmed);
   * *two-stage*: shortlist head + re-ranking of the top-k.

   Scores are compared (max |logit difference|), the time ratios computed in this process, and the time of a
   COCO 1K evaluation (1,000 images x 5,000 captions) projected from the measured pair throughputs.

Prints tables, writes ``camp_benchmark.png`` and ``result.json`` in the work dir, and as its last line one
JSON object: ``{"camp_rsum", "vse_rsum", "two_stage_rsum", "chunked_vs_naive_speedup", "max_abs_diff", ...}``.
"""
import argparse
import json
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import torch
from mmengine.hooks import Hook
from mmengine.utils import ProgressBar

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = dict(
    camp=osp.join(ROOT, 'configs/camp/camp_bigru_gated-fusion_1xb32-12e_toy-retrieval.py'),
    vse=osp.join(ROOT, 'configs/camp/vse_bigru_mean-pool_1xb32-12e_toy-retrieval.py'))
FULL_EPOCHS, QUICK_EPOCHS = 12, 3
FULL_PAIRS, QUICK_PAIRS = (20, 100), (5, 20)
TOPKS = (5, 10, 20, 50)
TWO_STAGE_K = 20  # the k of two_stage_rsum
PAPER = dict(img_dim=2048, word_dim=300, embed_dim=1024, vocab_size=8590, regions=36, max_len=49)
COCO1K = (1000, 5000)
SPEED_K = 128  # k of the projected two-stage COCO 1K evaluation (BLIP re-ranks 256 on COCO)
# Blocks of the chunked scorer on the CPU: 1 image x 25 captions (at D = 1024 a block's tensors then stay in
# cache; 20 x 25 blocks took 1.7x as long in a sweep on 2026-11-26). GPU configs use larger blocks (eval_cfg).
SPEED_IMG_CHUNK, SPEED_TXT_CHUNK = 1, 25


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='CAMP vs a dual encoder on toy data; chunked vs naive scoring.')
    parser.add_argument('--quick', action='store_true',
                        help=f'{QUICK_EPOCHS} epochs and {QUICK_PAIRS[0]}x{QUICK_PAIRS[1]} speed pairs instead of '
                        f'{FULL_EPOCHS} epochs and {FULL_PAIRS[0]}x{FULL_PAIRS[1]}')
    parser.add_argument('--epochs', type=int, help='training epochs a model (overrides --quick)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--data-root', default=osp.join(ROOT, 'data', 'toy_retrieval'),
                        help='toy data (generated there with seed 0 if absent)')
    parser.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'benchmark_camp'))
    parser.add_argument('--speed-pairs', type=int, nargs=2, metavar=('IMAGES', 'CAPTIONS'),
                        help='size of the speed measurement (overrides --quick)')
    parser.add_argument('--skip-speed', action='store_true', help='no speed measurement (keys become null)')
    return parser.parse_args(argv)


class ProgressHook(Hook):
    """Advances one progress bar over the training iterations."""

    def __init__(self, bar: ProgressBar) -> None:
        self.bar = bar

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        self.bar.update()


def train_and_test(name: str, epochs: int, seed: int, data_root: str, work_dir: str):
    """Train one toy config and return (runner, test metrics)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(CONFIGS[name])
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = data_root
    cfg.train_cfg.max_epochs = epochs
    cfg.train_cfg.val_interval = epochs + 1  # evaluated once, on the test split, after training
    cfg.param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[max(1, epochs * 3 // 4)], gamma=0.1)]
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=epochs)
    cfg.randomness = dict(seed=seed)
    cfg.work_dir = osp.join(work_dir, name)
    cfg.experiment_name = f'benchmark_camp_{name}'
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    print(f'\ntraining {name}: {epochs} epochs, {len(runner.train_dataloader)} iterations each', flush=True)
    runner.register_hook(ProgressHook(ProgressBar(epochs * len(runner.train_dataloader))), priority='VERY_LOW')
    runner.train()
    print()
    return runner, runner.test()


def metrics_row(metrics: dict) -> Dict[str, float]:
    keys = ('i2t_R1', 'i2t_R5', 'i2t_R10', 't2i_R1', 't2i_R5', 't2i_R10', 'rsum')
    return {k: round(float(metrics[f'retrieval/{k}']), 2) for k in keys}


def quality(epochs: int, seed: int, data_root: str, work_dir: str) -> dict:
    camp_runner, camp = train_and_test('camp', epochs, seed, data_root, work_dir)
    _, vse = train_and_test('vse', epochs, seed, data_root, work_dir)
    model = camp_runner.model
    two_stage = {}
    for k in TOPKS:
        model.eval_cfg['topk'] = k
        two_stage[k] = metrics_row(camp_runner.test())
        model.eval_cfg['topk'] = None
    # pairs scored by CAMP in each mode, from the scorer itself
    from mmx.retrieval.evaluation.loops import _gather
    parts = [model.val_step(b) for b in camp_runner.test_dataloader]
    feats = _gather([{k: v.detach() for k, v in p.items()} for p in parts])
    pairs = {}
    with torch.no_grad():
        for k in TOPKS:
            model.eval_cfg['topk'] = k
            pairs[k] = int(model.predict_all(feats)['num_pairs'])
        model.eval_cfg['topk'] = None
    total = feats['img_feats'].shape[0] * feats['txt_feats'].shape[0] * feats['txt_feats'].shape[1]
    return dict(camp=metrics_row(camp), vse=metrics_row(vse), two_stage=two_stage, pairs=pairs, total_pairs=total)


def _paper_model():
    from mmx.retrieval import CAMP
    torch.manual_seed(0)
    return CAMP(PAPER['vocab_size'], PAPER['img_dim'], PAPER['word_dim'], PAPER['embed_dim'],
                shortlist_head=dict()).eval()


def speed(num_img: int, num_txt: int, k: int) -> dict:
    """Naive per-pair loops vs the chunked and two-stage scorers at the paper's sizes."""
    from mmx.retrieval.evaluation import exhaustive_scores, two_stage_scores
    from mmx.retrieval.models import lengths_to_mask

    model = _paper_model()
    g = torch.Generator().manual_seed(1)
    regions = torch.randn(num_img, PAPER['regions'], PAPER['img_dim'], generator=g).relu()  # BUTD-like >= 0
    lengths = torch.randint(9, 21, (num_txt, ), generator=g)
    tokens = torch.randint(4, PAPER['vocab_size'], (num_txt, PAPER['max_len']), generator=g)
    tokens = tokens * lengths_to_mask(lengths, PAPER['max_len'])
    txt_mask = lengths_to_mask(lengths, PAPER['max_len'])
    res = {}
    with torch.no_grad():
        print(f'\nspeed at the paper\'s sizes: {num_img} images x {num_txt} captions', flush=True)
        # naive, end to end: every pair runs both encoders and the official-style fusion
        bar = ProgressBar(num_img * num_txt)
        naive = torch.empty(num_img, num_txt)
        start = time.perf_counter()
        for i in range(num_img):
            for j in range(num_txt):
                v = model.img_enc(regions[i:i + 1])[0]
                c = model.txt_enc(tokens[j:j + 1], lengths[j:j + 1])[0]
                naive[i, j] = model.fusion.naive_pair_score(v, c, None, txt_mask[j])
                bar.update()
        res['naive_s'] = time.perf_counter() - start
        # naive fusion on pre-encoded features
        start = time.perf_counter()
        v_all = model.img_enc(regions)
        c_all = model.txt_enc(tokens, lengths)
        res['encode_s'] = time.perf_counter() - start
        bar = ProgressBar(num_img * num_txt)
        naive_fusion = torch.empty(num_img, num_txt)
        start = time.perf_counter()
        for i in range(num_img):
            for j in range(num_txt):
                naive_fusion[i, j] = model.fusion.naive_pair_score(v_all[i], c_all[j], None, txt_mask[j])
                bar.update()
        res['naive_fusion_s'] = time.perf_counter() - start
        # chunked: encode once, score in blocks
        start = time.perf_counter()
        v_all = model.img_enc(regions)
        c_all = model.txt_enc(tokens, lengths)
        mask = torch.ones(v_all.shape[:2], dtype=torch.bool)
        encoded = time.perf_counter()
        chunked = exhaustive_scores(model.fusion, v_all, mask, c_all, lengths, SPEED_IMG_CHUNK, SPEED_TXT_CHUNK)
        res['chunked_s'] = time.perf_counter() - start
        res['chunked_fusion_s'] = time.perf_counter() - encoded
        # two-stage: shortlist head, then the top-k of every query re-ranked
        start = time.perf_counter()
        shortlist = exhaustive_scores(model.shortlist_head, v_all, mask, c_all, lengths, num_img, num_txt)
        two = two_stage_scores(model.fusion, shortlist, v_all, mask, c_all, lengths, topk=k,
                               txt_chunk=SPEED_TXT_CHUNK)
        res['two_stage_fusion_s'] = time.perf_counter() - start
        res['two_stage_pairs'] = int(two['num_pairs'])
    pairs = num_img * num_txt
    res['max_abs_diff'] = float((chunked - naive).abs().max())
    res['max_abs_diff_fusion'] = float((chunked - naive_fusion).abs().max())
    res['max_abs_diff_prob'] = float((chunked.sigmoid() - naive.sigmoid()).abs().max())
    res['chunked_vs_naive_speedup'] = res['naive_s'] / res['chunked_s']
    res['chunked_vs_naive_fusion_speedup'] = res['naive_fusion_s'] / res['chunked_fusion_s']
    # COCO 1K projection from the measured throughputs (5 folds of 1,000 x 5,000)
    enc_per_item = res['encode_s'] / (num_img + num_txt)
    n_img, n_txt = COCO1K
    per_pair = res['chunked_fusion_s'] / pairs
    per_rerank = res['two_stage_fusion_s'] / res['two_stage_pairs']
    rerank_pairs = (n_img + n_txt) * SPEED_K  # at most; pairs in both shortlists are scored once
    res['coco1k_naive_h'] = 5 * n_img * n_txt * res['naive_s'] / pairs / 3600
    res['coco1k_exhaustive_h'] = 5 * (n_img * n_txt * per_pair + (n_img + n_txt) * enc_per_item) / 3600
    res['coco1k_two_stage_h'] = 5 * (rerank_pairs * per_rerank + (n_img + n_txt) * enc_per_item) / 3600
    res['pairs'] = pairs
    return res


def plot(q: dict, path: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    keys = ['i2t_R1', 'i2t_R5', 'i2t_R10', 't2i_R1', 't2i_R5', 't2i_R10']
    x = torch.arange(len(keys)).float()
    rows = [('dual encoder (VSE)', q['vse']), ('CAMP exhaustive', q['camp']),
            (f'CAMP two-stage k={TWO_STAGE_K}', q['two_stage'][TWO_STAGE_K])]
    for n, (label, row) in enumerate(rows):
        ax1.bar(x + (n - 1) * 0.27, [row[k] for k in keys], 0.27, label=f'{label}: rsum {row["rsum"]:.1f}')
    ax1.set_xticks(x, [k.replace('_', ' ') for k in keys])
    ax1.set_ylabel('recall (%)')
    ax1.set_title('toy compositional retrieval, test split')
    ax1.legend(fontsize=8, loc='lower right')
    ks = sorted(q['two_stage'])
    ax2.plot(ks, [q['two_stage'][k]['rsum'] for k in ks], 'o-', label='CAMP two-stage')
    ax2.axhline(q['camp']['rsum'], color='C1', ls='--', label='CAMP exhaustive')
    ax2.axhline(q['vse']['rsum'], color='C0', ls=':', label='dual encoder')
    ax2.set_xscale('log')
    ax2.set_xlabel('k (candidates re-ranked per query)')
    ax2.set_ylabel('rsum')
    ax2.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def summarise(q: Optional[dict], s: Optional[dict]) -> dict:
    summary = {}
    if q is not None:
        print('\nToy compositional retrieval, test split (100 images, 500 captions), recall (%)')
        head = ['i2t_R1', 'i2t_R5', 'i2t_R10', 't2i_R1', 't2i_R5', 't2i_R10', 'rsum']
        print(f'{"model":<30}' + ''.join(f'{h:>9}' for h in head) + f'{"pairs":>9}')
        rows = [('dual encoder (VSE)', q['vse'], q['total_pairs']), ('CAMP exhaustive', q['camp'], q['total_pairs'])]
        rows += [(f'CAMP two-stage k={k}', q['two_stage'][k], q['pairs'][k]) for k in sorted(q['two_stage'])]
        for label, row, pairs in rows:
            print(f'{label:<30}' + ''.join(f'{row[h]:>9.1f}' for h in head) + f'{pairs:>9}')
        summary.update(camp_rsum=q['camp']['rsum'], vse_rsum=q['vse']['rsum'],
                       two_stage_rsum=q['two_stage'][TWO_STAGE_K]['rsum'], two_stage_k=TWO_STAGE_K,
                       two_stage_rsum_by_k={str(k): v['rsum'] for k, v in q['two_stage'].items()})
    else:
        summary.update(camp_rsum=None, vse_rsum=None, two_stage_rsum=None)
    if s is not None:
        print(f'\nScoring {s["pairs"]} pairs at the paper\'s sizes (CPU, float32, one process):')
        print(f'  naive per-pair loop, whole model : {s["naive_s"]:8.2f} s')
        print(f'  naive per-pair loop, fusion only : {s["naive_fusion_s"]:8.2f} s')
        print(f'  chunked, encoders + fusion       : {s["chunked_s"]:8.2f} s  '
              f'(speed-up {s["chunked_vs_naive_speedup"]:.1f}x; fusion only {s["chunked_vs_naive_fusion_speedup"]:.1f}x)')
        print(f'  two-stage fusion, k={s["k"]:<3}         : {s["two_stage_fusion_s"]:8.2f} s  '
              f'({s["two_stage_pairs"]} pairs re-ranked)')
        print(f'  max |logit difference| chunked vs naive: {s["max_abs_diff"]:.2e} '
              f'(probabilities {s["max_abs_diff_prob"]:.2e})')
        print(f'Projected COCO 1K evaluation (5 x 1,000 x 5,000 pairs) on this CPU from the measured pair throughputs: '
              f'naive {s["coco1k_naive_h"]:.1f} h, chunked {s["coco1k_exhaustive_h"]:.1f} h, two-stage k={SPEED_K} '
              f'{s["coco1k_two_stage_h"]:.2f} h (re-ranking at this size\'s throughput: pessimistic, COCO\'s blocks '
              'are larger)')
        summary.update(chunked_vs_naive_speedup=round(s['chunked_vs_naive_speedup'], 2),
                       max_abs_diff=s['max_abs_diff'],
                       chunked_vs_naive_fusion_speedup=round(s['chunked_vs_naive_fusion_speedup'], 2),
                       max_abs_diff_fusion=s['max_abs_diff_fusion'], speed_pairs=s['pairs'],
                       coco1k_naive_hours=round(s['coco1k_naive_h'], 2),
                       coco1k_exhaustive_hours=round(s['coco1k_exhaustive_h'], 2),
                       coco1k_two_stage_hours=round(s['coco1k_two_stage_h'], 3), coco1k_two_stage_k=SPEED_K)
    else:
        summary.update(chunked_vs_naive_speedup=None, max_abs_diff=None)
    return summary


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    torch.set_num_threads(1)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmengine.utils import mkdir_or_exist

    from mmx.retrieval import generate_toy_retrieval

    mkdir_or_exist(args.work_dir)
    if not osp.isfile(osp.join(args.data_root, 'test_caps.txt')):
        print(f'generating the toy data in {args.data_root}')
        generate_toy_retrieval(args.data_root)
    epochs = args.epochs if args.epochs is not None else (QUICK_EPOCHS if args.quick else FULL_EPOCHS)
    q = quality(epochs, args.seed, args.data_root, args.work_dir) if epochs > 0 else None
    s = None
    if not args.skip_speed:
        num_img, num_txt = args.speed_pairs or (QUICK_PAIRS if args.quick else FULL_PAIRS)
        k = max(1, num_txt // 10)
        s = dict(speed(num_img, num_txt, k), k=k)
    if q is not None:
        plot(q, osp.join(args.work_dir, 'camp_benchmark.png'))
    summary = dict(summarise(q, s), epochs=epochs, seed=args.seed)
    with open(osp.join(args.work_dir, 'result.json'), 'w') as f:
        json.dump(dict(summary, quality=q, speed=s), f, indent=1)
    print(json.dumps(summary))
    return summary


if __name__ == '__main__':
    main()
