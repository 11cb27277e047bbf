"""tools/ensemble/boxes_to_masks.py: a Mask R-CNN's mask head on given boxes (the 2019 segmentation track's
pipeline): the boxes, scores and labels are kept, one mask per box at the original image size."""
import json
import os.path as osp
import pickle
import runpy

import pytest
import torch
from det_helpers import ROOT

TOOL = runpy.run_path(osp.join(ROOT, 'tools', 'ensemble', 'boxes_to_masks.py'), run_name='boxes_to_masks_tool')
CONFIG = osp.join(ROOT, 'configs', 'lvis', 'mask-rcnn_r18-tiny_fpn_3e_toy-lvis.py')


def test_masks_for_given_boxes(tmp_path, toy_lvis_data):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from pycocotools import mask as mask_utils

    init_default_scope('mmdet')
    model = MODELS.build(Config.fromfile(CONFIG).model)
    checkpoint = str(tmp_path / 'mask_rcnn.pth')
    torch.save(dict(state_dict=model.state_dict(), meta={}), checkpoint)
    with open(osp.join(toy_lvis_data, 'annotations', 'lvis_v1_val.json')) as f:
        ann = json.load(f)
    first_ids = [img['id'] for img in ann['images'][:2]]
    dets = [dict(image_id=first_ids[0], category_id=ann['categories'][3]['id'], bbox=[10.0, 20.0, 30.0, 15.0],
                 score=0.9),
            dict(image_id=first_ids[0], category_id=ann['categories'][0]['id'], bbox=[50.0, 40.0, 20.0, 25.0],
                 score=0.5)]
    det_file = str(tmp_path / 'boxes.json')
    with open(det_file, 'w') as f:
        json.dump(dets, f)
    out = str(tmp_path / 'segm.pkl')
    TOOL['main']([CONFIG, checkpoint, det_file, '--out', out, '--data-root', toy_lvis_data, '--limit', '2'])
    with open(out, 'rb') as f:
        results = pickle.load(f)
    assert [r['img_id'] for r in results] == first_ids
    pred = results[0]['pred_instances']
    torch.testing.assert_close(pred['bboxes'], torch.tensor([[10., 20, 40, 35], [50, 40, 70, 65]]))
    assert pred['labels'].tolist() == [3, 0]
    torch.testing.assert_close(pred['scores'], torch.tensor([0.9, 0.5]))
    masks = mask_utils.decode(pred['masks'])
    assert masks.shape == (*results[0]['ori_shape'], 2)
    assert len(results[1]['pred_instances']['masks']) == 0  # no boxes, no masks
    with pytest.raises(FileNotFoundError, match='no checkpoint'):
        TOOL['main']([CONFIG, str(tmp_path / 'none.pth'), det_file])


def test_model_without_mask_head_is_refused():
    class NoMask:
        with_mask = False
    with pytest.raises(ValueError, match='no mask head'):
        TOOL['predict_masks'](NoMask(), [], {})
