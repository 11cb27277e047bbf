"""tools/data/toy_video.py: generates, reports the label counts, keeps a complete dataset, rejects bad input."""
import os.path as osp
import re
import runpy

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'data', 'toy_video.py'), run_name='toy_video')
ARGS = ['--num-train', '4', '--num-val', '2', '--no-progress']


def test_generates_then_keeps(tmp_path, capsys):
    out = str(tmp_path / 'ml')
    result = TOOL['main'](['--out', out, '--task', 'motion-multilabel', '--formats', 'rawframes'] + ARGS)
    assert result['generated'] and osp.isfile(osp.join(out, 'train_rawframes.txt'))
    assert not osp.exists(osp.join(out, 'videos'))
    printed = capsys.readouterr().out
    assert 'generated in' in printed and 'red_moving_left' in printed and re.search(r'train +4 clips', printed)
    assert not TOOL['main'](['--out', out, '--task', 'motion-multilabel', '--formats', 'rawframes'] + ARGS)['generated']
    assert 'already present, kept' in capsys.readouterr().out


def test_bad_input(tmp_path):
    with pytest.raises(SystemExit):
        TOOL['parse_args'](['--task', 'colour'])
    with pytest.raises(ValueError, match='num_frames'):
        TOOL['main'](['--out', str(tmp_path), '--num-frames', '1'] + ARGS)
