"""tools/analysis/tin_offsets.py: records every interlace block's offsets and weights on validation clips,
writes the figure and the statistics, leaves the model as it was, and names a model without TIN blocks."""
import json
import os.path as osp
import runpy
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'analysis', 'tin_offsets.py'), run_name='tin_offsets')
CONFIG = osp.join(ROOT, 'configs', 'tin', 'tin_r18_1x1x8_12e_toy-video.py')


@pytest.fixture(scope='module')
def toy(tmp_path_factory):
    sys.path.insert(0, ROOT)
    from mmx.action.datasets import generate_toy_video
    return generate_toy_video(str(tmp_path_factory.mktemp('toy')), num_train=2, num_val=4, formats=('rawframes', ))


def data_options(toy):
    return ['--cfg-options', f'val_dataloader.dataset.ann_file={toy["val_rawframes"]}',
            f'val_dataloader.dataset.data_prefix.img={toy["rawframes_dir"]}', 'val_dataloader.batch_size=2']


def test_plots_every_block(toy, tmp_path):
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import save_checkpoint

    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(CONFIG).model)
    model.init_weights()
    checkpoint = str(tmp_path / 'tin.pth')
    save_checkpoint(dict(state_dict=model.state_dict()), checkpoint)
    out, stats = str(tmp_path / 'offsets.png'), str(tmp_path / 'offsets.json')
    rows = TOOL['main']([CONFIG, checkpoint, '--num-clips', '3', '--out', out, '--json', stats] + data_options(toy))
    assert osp.getsize(out) > 10000
    assert rows == json.load(open(stats))
    assert [r['block'] for r in rows] == [f'layer{i}.{j}' for i in range(1, 5) for j in range(2)]  # ResNet-18
    for r in rows:
        assert len(r['offset_mean']) == 2 and len(r['weight_mean']) == 2 and len(r['weight_mean'][0]) == 8
        assert all(-2 < v < 2 for v in r['offset_mean'])
        assert r['offset_q10'][0] <= r['offset_median'][0] <= r['offset_q90'][0]


def test_recording_leaves_the_model_unchanged(toy):
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import Runner

    cfg = Config.fromfile(CONFIG)
    cfg.val_dataloader.dataset.update(ann_file=toy['val_rawframes'], data_prefix=dict(img=toy['rawframes_dir']))
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(cfg.model).eval()
        batches = list(Runner.build_dataloader(cfg.val_dataloader))
    before = model.test_step(batches[0])[0].pred_score
    records = TOOL['record_interlace'](model, batches)
    assert len(records) == 8 and records['backbone.layer1.0.conv1.conv.net1']['offset'].shape == (4, 4)
    assert records['backbone.layer1.0.conv1.conv.net1']['weight'].shape == (4, 8, 4)
    assert all('predict' not in vars(m) for m in model.modules())
    assert torch.equal(model.test_step(batches[0])[0].pred_score, before)


def test_rejects_a_model_without_interlace(toy, tmp_path):
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import save_checkpoint

    tsm = osp.join(ROOT, 'configs', 'tin', 'tsm_r18_1x1x8_12e_toy-video.py')
    with DefaultScope.overwrite_default_scope('mmaction'):
        model = MODELS.build(Config.fromfile(tsm).model)
    save_checkpoint(dict(state_dict=model.state_dict()), str(tmp_path / 'tsm.pth'))
    with pytest.raises(ValueError, match='no TemporalInterlace'):
        TOOL['main']([tsm, str(tmp_path / 'tsm.pth'), '--out', str(tmp_path / 'x.png')] + data_options(toy))
    with pytest.raises(ValueError, match='num-clips'):
        TOOL['main']([tsm, str(tmp_path / 'tsm.pth'), '--num-clips', '0'])
