"""CAMP and VSEDualEncoder: data contract, losses, freezing, two-stage evaluation, training through
mmengine's Runner with the toy configs (train, validate with the retrieval loop, warm-up hook, resume)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmx.retrieval import CAMP, VSEDualEncoder, generate_toy_retrieval
from mmx.retrieval.datasets import PrecompRetrievalDataset

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CAMP_TOY = osp.join(ROOT, 'configs', 'camp', 'camp_bigru_gated-fusion_1xb32-12e_toy-retrieval.py')
VSE_TOY = osp.join(ROOT, 'configs', 'camp', 'vse_bigru_mean-pool_1xb32-12e_toy-retrieval.py')


@pytest.fixture(scope='module')
def toy_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy_retrieval'))
    generate_toy_retrieval(root, dict(train=2, dev=1, test=1))
    return root


def _batch(root, split='train', test_mode=False, n=6):
    ds = PrecompRetrievalDataset(root, split, test_mode=test_mode)
    return default_collate([ds[i] for i in range(min(n, len(ds)))])


def test_camp_loss_and_tensor_modes(toy_root):
    torch.manual_seed(0)
    model = CAMP(29, img_dim=64, word_dim=16, embed_dim=16, shortlist_head=dict())
    data = model.data_preprocessor(_batch(toy_root), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_match', 'loss_shortlist'} and all(v.isfinite() for v in losses.values())
    # images 0 and 1 each appear with several captions: those pairs are never negatives
    sum(losses.values()).backward()
    assert model.fusion.fc_out[0].weight.grad is not None and model.img_enc.fc.weight.grad is not None
    feats = model.val_step(_batch(toy_root, 'dev', test_mode=True))
    assert feats['txt_feats'].shape[:2] == (4, 5) and feats['img_idx'].tolist() == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="mode 'loss' or 'tensor'"):
        model(**data, mode='predict')
    with pytest.raises(KeyError, match='tokens'):
        model.encode(dict(regions=data['inputs']['regions']))


def test_shortlist_head_does_not_change_camp_gradients(toy_root):
    torch.manual_seed(0)
    plain = CAMP(29, img_dim=64, word_dim=16, embed_dim=16)
    torch.manual_seed(0)
    with_head = CAMP(29, img_dim=64, word_dim=16, embed_dim=16, shortlist_head=dict())
    batch = _batch(toy_root)
    for model in (plain, with_head):
        sum(model(**model.data_preprocessor(batch, True), mode='loss').values()).backward()
    torch.testing.assert_close(plain.txt_enc.rnn.weight_hh_l0.grad, with_head.txt_enc.rnn.weight_hh_l0.grad)


def test_frozen_prefixes_and_bad_config():
    model = CAMP(29, img_dim=8, word_dim=8, embed_dim=8, frozen=('img_enc', 'fusion.img_key_fc'))
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen == {'img_enc.fc.weight', 'img_enc.fc.bias', 'fusion.img_key_fc.weight'}
    with pytest.raises(ValueError, match='matches no parameter'):
        CAMP(29, img_dim=8, word_dim=8, embed_dim=8, frozen=('fusion.nope', ))
    with pytest.raises(KeyError, match='eval_cfg'):
        CAMP(29, img_dim=8, word_dim=8, embed_dim=8, eval_cfg=dict(chunk=3))


def test_predict_all_exhaustive_and_two_stage(toy_root):
    torch.manual_seed(0)
    model = CAMP(29, img_dim=64, word_dim=16, embed_dim=16, shortlist_head=dict(),
                 eval_cfg=dict(img_chunk=3, txt_chunk=7)).eval()
    feats = model.val_step(_batch(toy_root, 'dev', test_mode=True))
    full = model.predict_all(feats)
    assert full['i2t'].shape == (4, 20) and full['num_pairs'] == 80
    model.eval_cfg['topk'] = 20
    torch.testing.assert_close(model.predict_all(feats)['i2t'], full['i2t'], rtol=0, atol=1e-5)
    model.eval_cfg['topk'] = 2
    assert model.predict_all(feats)['num_pairs'] < 80
    vse = VSEDualEncoder(29, img_dim=64, word_dim=16, embed_dim=16).eval()
    assert vse.predict_all(vse.val_step(_batch(toy_root, 'dev', test_mode=True)))['i2t'].abs().max() <= 1 + 1e-6


class _CountIters(Hook):

    def __init__(self):
        self.count = 0

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.count += 1


@pytest.mark.parametrize('config', [CAMP_TOY, VSE_TOY], ids=['camp', 'vse'])
def test_toy_config_trains_validates_and_resumes(config, toy_root, tmp_path):
    cfg = Config.fromfile(config)
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = toy_root
    cfg.train_dataloader.batch_size = 8  # 40 captions: 5 iterations an epoch
    cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval = 1, 1
    cfg.custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=1)]
    cfg.model.embed_dim, cfg.model.word_dim = 16, 16
    cfg.work_dir = str(tmp_path)
    cfg.log_level = 'WARNING'
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.model.loss_match.max_violation  # switched on after the warm-up iteration
    metrics = runner.test()
    assert 0 <= metrics['retrieval/rsum'] <= 600 and 'retrieval/t2i_medr' in metrics
    assert osp.isfile(osp.join(str(tmp_path), 'epoch_1.pth'))
    cfg.train_cfg.max_epochs = 2
    cfg.resume = True
    resumed = Runner.from_cfg(cfg)
    counter = _CountIters()
    resumed.register_hook(counter)
    resumed.train()
    assert resumed.iter == 10 and counter.count == 5  # only the second epoch ran


def test_staged_toy_configs_load_by_name_and_freeze(toy_root, tmp_path):
    """Stage 1 (cross-attention) -> stage 2 (gated fusion, attention frozen) through load_from."""
    cfgs = []
    for name in ('camp_bigru_cross-attention-stage1_1xb32-3e_toy-retrieval.py',
                 'camp_bigru_gated-fusion-stage2-fixatt_1xb32-3e_toy-retrieval.py'):
        cfg = Config.fromfile(osp.join(ROOT, 'configs', 'camp', name))
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            cfg[key].dataset.data_root = toy_root
        cfg.train_dataloader.batch_size = 8
        cfg.model.embed_dim = cfg.model.word_dim = 16
        cfg.train_cfg.max_epochs, cfg.train_cfg.val_interval = 1, 2
        cfg.work_dir, cfg.log_level = str(tmp_path / name), 'WARNING'
        cfgs.append(cfg)
    stage1 = Runner.from_cfg(cfgs[0])
    stage1.train()
    cfgs[1].load_from = osp.join(cfgs[0].work_dir, 'epoch_1.pth')
    stage2 = Runner.from_cfg(cfgs[1])
    fc_out_before = stage2.model.fusion.fc_out[0].weight.detach().clone()
    stage2.train()
    for name in ('fusion.img_key_fc.weight', 'fusion.weighted_txt_query_fc.weight', 'txt_enc.embed.weight'):
        torch.testing.assert_close(stage2.model.state_dict()[name], stage1.model.state_dict()[name])
    assert not torch.equal(stage2.model.fusion.fc_out[0].weight, fc_out_before)  # the new layers trained
