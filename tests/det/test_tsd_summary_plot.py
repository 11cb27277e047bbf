"""tools/analysis/tsd_summary.py: reads the TSD benchmark's last JSON line from its saved output and plots it."""
import json
import os.path as osp
import runpy

import pytest
from det_helpers import ROOT

TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'analysis', 'tsd_summary.py'), run_name='tsd_summary')
SUMMARY = dict(shared2fc_AP=30.0, tsd_AP=32.5, nms_AP=30.0, soft_nms_AP=30.4, adj_nms_AP=30.9, single_best_AP=30.2,
               ensemble_AP=33.0, tsd_step_ratio=1.5, soft_nms_vs_mmcv_time_ratio=0.8,
               adj_nms_vs_mmcv_soft_nms_time_ratio=0.7,
               nms_speed=[dict(boxes=10000, classes=1, soft_ratio=0.8, adj_ratio=0.7)])


def test_reads_the_last_summary_and_plots(tmp_path, capsys):
    log = tmp_path / 'tsd.log'
    log.write_text('training...\n{"not": "it"}\n' + json.dumps(SUMMARY) + '\n')
    out = str(tmp_path / 'plot.png')
    summary = TOOL['main']([str(log), '--out', out])
    assert summary == SUMMARY
    assert osp.getsize(out) > 1000
    assert 'ensemble' in capsys.readouterr().out


def test_missing_summary(tmp_path):
    log = tmp_path / 'bad.log'
    log.write_text('{"shared2fc_AP": 1}\n')
    with pytest.raises(ValueError, match='no summary line'):
        TOOL['read_summary'](str(log))
