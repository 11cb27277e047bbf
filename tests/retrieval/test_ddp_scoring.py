"""Distributed evaluation (gloo, 2 CPU processes): gathered encodings without the sampler's repeats, every
rank scoring its share of the captions, the same scores as one process."""
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from mmx.testing import free_port, init_gloo


def _feats(num_img=5, caps=5, regions=4, length=6, dim=8):
    g = torch.Generator().manual_seed(0)
    lengths = torch.randint(1, length + 1, (num_img, caps), generator=g)
    txt = torch.randn(num_img, caps, length, dim, generator=g) * (
        torch.arange(length)[None, None, :, None] < lengths[..., None, None])
    return dict(img_feats=torch.randn(num_img, regions, dim, generator=g),
                img_mask=torch.ones(num_img, regions, dtype=torch.bool), txt_feats=txt, txt_lengths=lengths,
                img_idx=torch.arange(num_img))


def _worker(rank, port, out_dir):
    torch.set_num_threads(1)
    init_gloo(rank, port)
    from mmx.retrieval import CAMP
    from mmx.retrieval.evaluation.loops import _gather
    torch.manual_seed(0)
    model = CAMP(29, img_dim=8, word_dim=8, embed_dim=8, shortlist_head=dict(),
                 eval_cfg=dict(img_chunk=2, txt_chunk=3)).eval()
    feats = _feats()
    # DistributedSampler order for 5 items on 2 ranks: rank 0 gets 0, 2, 4; rank 1 gets 1, 3, 0 (padding)
    mine = [0, 2, 4] if rank == 0 else [1, 3, 0]
    parts = [{k: v[i:i + 1] for k, v in feats.items()} for i in mine]
    gathered = _gather(parts)
    with torch.no_grad():
        full = model.predict_all(gathered)
        model.eval_cfg['topk'] = 3
        two = model.predict_all(gathered)
    torch.save(dict(idx=gathered['img_idx'], full=full['i2t'], two_i2t=two['i2t'], two_t2i=two['t2i'],
                    pairs=two['num_pairs']), os.path.join(out_dir, f'rank{rank}.pt'))
    dist.destroy_process_group()


def test_two_ranks_score_like_one_process(tmp_path):
    from mmx.retrieval import CAMP  # imported before forking: the workers inherit it
    # fork, not spawn: a spawned worker would import mmx again (seconds each)
    mp.start_processes(_worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True, start_method='fork')
    torch.manual_seed(0)
    model = CAMP(29, img_dim=8, word_dim=8, embed_dim=8, shortlist_head=dict(),
                 eval_cfg=dict(img_chunk=2, txt_chunk=3)).eval()
    feats = _feats()
    with torch.no_grad():
        full = model.predict_all(feats)
        model.eval_cfg['topk'] = 3
        two = model.predict_all(feats)
    for rank in range(2):
        res = torch.load(tmp_path / f'rank{rank}.pt', weights_only=True)
        assert res['idx'].tolist() == [0, 1, 2, 3, 4]
        torch.testing.assert_close(res['full'], full['i2t'], rtol=0, atol=1e-5)
        torch.testing.assert_close(res['two_i2t'], two['i2t'], rtol=0, atol=1e-5)
        torch.testing.assert_close(res['two_t2i'], two['t2i'], rtol=0, atol=1e-5)
        assert res['pairs'] == two['num_pairs']
