"""Instance masks for given boxes: the segmentation track's pipeline of the OpenImages 2019 winners.

The boxes come from a detection result file (typically the box-voting ensemble of tools/ensemble/
box_voting.py); a Mask R-CNN's backbone and mask head predict one mask per box, and the boxes, scores and
labels stay as they are. The output is an instance-segmentation result file.

    python tools/ensemble/boxes_to_masks.py MASK_RCNN_CONFIG MASK_RCNN.pth fused.json --out segm.pkl [--eval]

``fused.json`` is a COCO/LVIS result JSON or an mmdet result pickle (loaded without running code from it);
its labels must be those of the Mask R-CNN's dataset. ``--out`` writes the pickle format of
``tools/test.py --out`` (masks as RLE); ``--eval`` scores the result with the config's test metric (set
``metric=['bbox', 'segm']`` in it for mask AP). Shows a progress bar over images.
"""
import argparse
import json
import os.path as osp
import pickle
import sys
from typing import Dict, List, Optional

import numpy as np

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from box_voting import load_detections  # noqa: E402


def predict_masks(model, dataset, dets: Dict, limit: Optional[int] = None) -> List[dict]:
    """Run ``model``'s mask branch on the given boxes of each image of ``dataset``.

    Args:
        model: an mmdet two-stage detector with a mask head, in eval mode.
        dataset: the test dataset (with its test pipeline).
        dets (dict): img_id -> ((N, 4) boxes in original image coordinates, (N,) scores, (N,) labels).
        limit (int, optional): only the first so many images.

    Returns:
        list[dict]: per image ``img_id``, ``ori_shape`` and ``pred_instances`` (bboxes, scores, labels, RLE masks).
    """
    import torch
    from mmdet.structures.mask import encode_mask_results
    from mmengine.dataset import pseudo_collate
    from mmengine.structures import InstanceData
    from mmengine.utils import ProgressBar

    if not getattr(model, 'with_mask', False):
        raise ValueError('the model has no mask head: give a Mask R-CNN config and checkpoint')
    num = len(dataset) if limit is None else min(limit, len(dataset))
    bar = ProgressBar(num)
    out = []
    device = next(model.parameters()).device
    for i in range(num):
        data = model.data_preprocessor(pseudo_collate([dataset[i]]), False)
        meta = data['data_samples'][0].metainfo
        boxes, scores, labels = dets.get(int(meta['img_id']), (np.zeros((0, 4)), np.zeros(0), np.zeros(0)))
        scale = np.tile(np.asarray(meta['scale_factor'], dtype=np.float64)[:2], 2)
        given = InstanceData(bboxes=torch.as_tensor(boxes * scale, dtype=torch.float32, device=device),
                             scores=torch.as_tensor(scores, dtype=torch.float32, device=device),
                             labels=torch.as_tensor(labels, dtype=torch.long, device=device))
        with torch.no_grad():
            feats = model.extract_feat(data['inputs'])
            result = model.roi_head.predict_mask(feats, [meta], [given], rescale=True)[0]
        out.append(dict(img_id=meta['img_id'], ori_shape=meta['ori_shape'], pred_instances=dict(
            bboxes=result.bboxes.cpu(), scores=result.scores.cpu(), labels=result.labels.cpu(),
            masks=encode_mask_results(result.masks.cpu().numpy()))))
        bar.update()
    print(flush=True)
    return out


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Masks for the boxes of a detection result file.')
    parser.add_argument('config', help='Mask R-CNN config (its test set is the one the boxes are for)')
    parser.add_argument('checkpoint', help='Mask R-CNN checkpoint')
    parser.add_argument('detections', help='detection results (.json COCO/LVIS results, or .pkl)')
    parser.add_argument('--out', help='write the instance-segmentation results (.pkl)')
    parser.add_argument('--eval', action='store_true', help="evaluate with the config's test metric")
    parser.add_argument('--data-root', help='override the dataset root of the config')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--limit', type=int, help='only the first so many images (for a quick look)')
    return parser.parse_args(argv)


def main(argv=None) -> Optional[dict]:
    args = parse_args(argv)
    from mmdet.apis import init_detector
    from mmdet.registry import DATASETS
    from mmengine.config import Config

    cfg = Config.fromfile(args.config)
    if args.data_root is not None:
        cfg.test_dataloader.dataset.data_root = args.data_root
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'no checkpoint {args.checkpoint}')
    model = init_detector(cfg, args.checkpoint, device=args.device)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    cat_ids = list(getattr(dataset, 'cat_ids', range(len(dataset.metainfo['classes']))))
    results = predict_masks(model, dataset, load_detections(args.detections, cat_ids), args.limit)
    if args.out:
        with open(args.out, 'wb') as f:
            pickle.dump(results, f)
    if args.eval:
        import torch
        from mmengine.evaluator import Evaluator
        evaluator = Evaluator(cfg.test_evaluator)
        evaluator.dataset_meta = dataset.metainfo
        samples = [dict(r, pred_instances=dict(r['pred_instances'])) for r in results]
        for s in samples:
            for k in ('bboxes', 'scores', 'labels'):
                s['pred_instances'][k] = torch.as_tensor(s['pred_instances'][k])
        evaluator.process(samples, {})
        metrics = evaluator.evaluate(len(samples))
        print(json.dumps({k: float(v) for k, v in metrics.items()}))
        return metrics
    return None


if __name__ == '__main__':
    main()
