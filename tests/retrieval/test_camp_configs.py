"""The CAMP configs: metafile and model index, toy vocabulary size, COCO protocol, the staged recipe."""
import glob
import os.path as osp

import yaml
from mmengine.config import Config

from mmx.retrieval.datasets import toy_vocabulary

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = sorted(osp.basename(p) for p in glob.glob(osp.join(ROOT, 'configs', 'camp', '*.py')))


def _cfg(name):
    return Config.fromfile(osp.join(ROOT, 'configs', 'camp', name))


def test_metafile_lists_every_config_and_is_in_the_model_index():
    with open(osp.join(ROOT, 'configs', 'camp', 'metafile.yml')) as f:
        models = yaml.safe_load(f)['Models']
    assert sorted(osp.basename(m['Config']) for m in models) == CONFIGS
    assert all(m['Name'] + '.py' == osp.basename(m['Config']) for m in models)
    with open(osp.join(ROOT, 'model-index.yml')) as f:
        assert 'configs/camp/metafile.yml' in yaml.safe_load(f)['Import']


def test_toy_configs_match_the_toy_vocabulary_and_every_real_config_has_a_toy_twin():
    toy = [c for c in CONFIGS if c.endswith('_toy-retrieval.py')]
    for name in toy:
        assert _cfg(name).model.vocab_size == len(toy_vocabulary()), name
    for name in set(CONFIGS) - set(toy):
        stage = next((s for s in ('stage1', 'stage2', 'stage3') if s in name), None)
        family = 'vse' if name.startswith('vse') else 'camp'
        assert any(t.startswith(family) and (stage is None or stage in t) for t in toy), name


def test_released_recipe_and_coco_protocol():
    s1 = _cfg('camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp.py')
    s2 = _cfg('camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp.py')
    s3 = _cfg('camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_coco-precomp.py')
    assert s1.model.head == 'cross_attention' and s1.optim_wrapper.optimizer.lr == 1e-3
    assert s1.train_dataloader.batch_size == 256 and s1.optim_wrapper.clip_grad.max_norm == 2.0
    assert s2.model.head == 'gated_fusion' and s2.optim_wrapper.optimizer.type == 'SGD'
    assert 'txt_enc' in s2.model.frozen
    assert not any(f.startswith(('fusion.fc_', 'fusion.final_reduce')) for f in s2.model.frozen)
    assert s2.load_from.endswith('epoch_111.pth') and s3.model.get('frozen', ()) == ()
    assert s3.test_dataloader.dataset.split == 'testall' and s3.model.vocab_size == 11755
    assert [e.num_folds for e in s3.test_evaluator] == [5, 1]
