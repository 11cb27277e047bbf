"""TSDBBoxHead / TSDRoIHead: the progressive constraint against hand-computed values, zero offsets reducing the
decoupled branches to RoI pooling of the proposal, losses with and without ground truth in tiny Faster / Mask
R-CNNs, gradients into the offsets, inference through the TSD branch only (decoded relative to P_r), bad
configs, and the configs of configs/tsd (build; the OpenImages toy twin trains two iterations and tests)."""
import glob
import os.path as osp

import pytest
import torch
from det_helpers import ROOT, detector_inputs, recording, short_run_cfg, tiny_detector_cfg
from mmdet.registry import MODELS
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmx.det.roi_heads import progressive_constraint

# the configs with settings of their own (tests/test_configs.py builds every config)
CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs', 'tsd', '*openimages.py'))
                 + glob.glob(osp.join(ROOT, 'configs', 'tsd', '*cas*toy-lvis.py'))
                 + glob.glob(osp.join(ROOT, 'configs', 'tsd', '*expert*.py')))
NUM_CLASSES = 4


def test_progressive_constraint_hand_computed():
    tsd = torch.tensor([0.50, 0.90, 0.75, 0.95], requires_grad=True)
    sibling = torch.tensor([0.60, 0.60, 0.50, 0.90], requires_grad=True)
    loss = progressive_constraint(tsd, sibling, 0.2)
    # margins min(0.2, 1 - sib) = 0.2, 0.2, 0.2, 0.1; relu(sib + m - tsd)
    torch.testing.assert_close(loss, torch.tensor([0.30, 0.0, 0.0, 0.05]))
    loss.sum().backward()
    torch.testing.assert_close(tsd.grad, torch.tensor([-1.0, 0.0, 0.0, -1.0]))
    assert sibling.grad is None or not sibling.grad.any()  # the sibling is not pushed


def build(kind='faster', **head):
    import tempfile
    import pathlib
    cfg = tiny_detector_cfg(pathlib.Path(tempfile.mkdtemp()), kind, dict(type='CrossEntropyLoss'), NUM_CLASSES,
                            init_cfg=[])
    roi_head = cfg.model.roi_head
    roi_head.type = 'TSDRoIHead'
    roi_head.bbox_head.pop('init_cfg')
    roi_head.bbox_head.update(type='TSDBBoxHead', offset_channels=32, **head)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    model.init_weights()
    return model


def test_zero_offsets_are_roi_pooling_of_the_proposal():
    model = build(pool_sampling_ratio=0)  # mmdet's RoIAlign default, as the extractor
    model.eval()
    head, extractor = model.roi_head.bbox_head, model.roi_head.bbox_roi_extractor
    assert not head.delta_c_out.weight.any() and not head.delta_r_out.weight.any()  # initialised to 0
    data = model.data_preprocessor(detector_inputs(NUM_CLASSES, False), False)
    feats = model.extract_feat(data['inputs'])
    # RoIs on two FPN levels
    rois = torch.tensor([[0, 4., 6, 40, 30], [0, 0, 0, 63, 63], [0, 10, 12, 130, 140]])
    levels = extractor.map_roi_levels(rois, 4)
    assert len(set(levels.tolist())) > 1
    expected = extractor(feats[:4], rois)
    zeros = torch.zeros(len(rois), 2, 7, 7)
    torch.testing.assert_close(head.decoupled_pool(feats, rois, levels, extractor.featmap_strides, zeros),
                               expected, atol=1e-5, rtol=1e-5)
    out = model.roi_head._bbox_forward(feats, rois)
    torch.testing.assert_close(out['rois_r'], rois)
    assert out['cls_score'] is None  # no sibling at test time


def test_offsets_move_the_pooling():
    model = build(offset_gamma=0.1)
    head = model.roi_head.bbox_head
    rois = torch.tensor([[0, 8., 8, 28, 48]])
    delta_r = torch.tensor([[1.0, -2.0]])
    # P_r = P + γ Δ_R (w, h): w = 20, h = 40
    torch.testing.assert_close(head.shifted_rois(rois, delta_r), torch.tensor([[0, 10., 0, 30, 40]]))


@pytest.mark.parametrize('kind', ['faster', 'mask'])
@pytest.mark.parametrize('with_gt', [True, False])
def test_losses_and_gradients(kind, with_gt):
    model = build(kind)
    model.train()
    packed = detector_inputs(NUM_CLASSES, kind == 'mask')
    if not with_gt:
        sample = packed['data_samples'][0]
        sample.gt_instances = sample.gt_instances[:0]
    data = model.data_preprocessor(packed, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    for key in ('loss_cls', 'loss_bbox', 'loss_tsd_cls', 'loss_tsd_bbox', 'loss_pc_cls', 'loss_pc_loc'):
        assert key in losses and torch.isfinite(losses[key]).all(), key
    if not with_gt:
        # no positives: the constraint and the regression losses vanish
        assert all(float(losses[k].detach()) == 0 for k in ('loss_pc_cls', 'loss_pc_loc', 'loss_tsd_bbox'))
        return
    total = sum(v for k, v in losses.items() if 'loss' in k and torch.is_tensor(v) and v.dim() == 0)
    total.backward()
    head = model.roi_head.bbox_head
    for name in ('delta_c_out', 'delta_r_out', 'tsd_fc_cls', 'tsd_fc_reg', 'fc_cls', 'fc_reg'):
        assert getattr(head, name).weight.grad.abs().sum() > 0, name


def test_inference_runs_the_tsd_branch_only():
    model = build()
    model.eval()
    head = model.roi_head.bbox_head
    with torch.no_grad():
        head.delta_r_out.bias.copy_(torch.tensor([1.0, 0.5]))  # every P_r shifted by (0.1 w, 0.05 h)
        head.tsd_fc_reg.weight.zero_()
        head.tsd_fc_reg.bias.zero_()
    data = model.data_preprocessor(detector_inputs(NUM_CLASSES, False), False)
    feats = model.extract_feat(data['inputs'])
    proposals = model.rpn_head.predict(feats, data['data_samples'], rescale=False)
    with recording(head, 'forward') as sibling_calls, torch.no_grad():
        out = model.roi_head._bbox_forward(feats, torch.cat([proposals[0].bboxes.new_zeros(len(proposals[0]), 1),
                                                             proposals[0].bboxes], 1))
        results = model.roi_head.predict(feats, proposals, data['data_samples'], rescale=False)
    assert not sibling_calls
    # zero deltas: each detection is a translated proposal P_r (clipped to the image), scored by the TSD branch
    boxes = results[0].bboxes
    assert len(boxes)
    shifted = out['rois_r'][:, 1:].clamp(0, 64)
    assert torch.isclose(boxes[:, None], shifted[None]).all(-1).any(1).all()


def test_bad_configs():
    with pytest.raises(ValueError, match='margin_cls must be in'):
        build(margin_cls=1.5)
    with pytest.raises(ValueError, match='shared-FC sibling heads only'):
        build(num_shared_convs=1)
    import pathlib
    import tempfile
    cfg = tiny_detector_cfg(pathlib.Path(tempfile.mkdtemp()), 'faster', dict(type='CrossEntropyLoss'), NUM_CLASSES,
                            init_cfg=[])
    cfg.model.roi_head.type = 'TSDRoIHead'  # with mmdet's Shared2FCBBoxHead
    with DefaultScope.overwrite_default_scope('mmdet'), pytest.raises(TypeError, match='needs a TSDBBoxHead'):
        MODELS.build(cfg.model)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_settings(path):
    """What each config sets (tests/test_configs.py builds every model)."""
    cfg = Config.fromfile(path)
    roi_head = cfg.model.roi_head
    assert roi_head.type == 'TSDRoIHead' and roi_head.bbox_head.type == 'TSDBBoxHead'
    name = osp.basename(path)
    openimages = 'openimages' in name or 'cas' in name
    assert roi_head.bbox_head.get('margin_cls', 0.2) == roi_head.bbox_head.get('margin_loc', 0.2) == (
        0.3 if openimages else 0.2)
    if openimages:
        assert cfg.model.test_cfg.rcnn.nms.type == 'adj_nms'
        assert cfg.train_dataloader.sampler.type == 'ClassAwareSampler'
        assert cfg.optim_wrapper.clip_grad.max_norm == 35
    if 'expert' in name:
        assert roi_head.bbox_head.num_classes == len(cfg.train_dataloader.dataset.metainfo.classes) == 5


@pytest.mark.parametrize('name', ['faster-rcnn_r18-tiny_fpn_tsd_cas-3e_toy-lvis.py'])
def test_toy_config_trains_and_tests(name, tmp_path, toy_lvis_data):
    from mmengine.runner import Runner
    cfg = short_run_cfg(osp.join(ROOT, 'configs', 'tsd', name), str(tmp_path), iters=2, batch_size=1,
                        test_images=[0])
    for key in ('train_dataloader', 'test_dataloader'):
        cfg[key].dataset.data_root = toy_lvis_data + '/'
    cfg.test_evaluator.ann_file = osp.join(toy_lvis_data, 'annotations', 'lvis_v1_val.json')
    runner = Runner.from_cfg(cfg)
    runner.train()
    metrics = runner.test()
    assert 'lvis/bbox_AP' in metrics
