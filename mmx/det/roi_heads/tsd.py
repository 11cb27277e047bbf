"""TSD, the task-aware spatial disentanglement head (the OpenImages 2019 winners' "Decoupling Head").

Song, Liu, Wang, "Revisiting the Sibling Head in Object Detector", CVPR 2020 (arXiv 2003.07540); official code
Sense-X/TSD (mmdet 1.x, never merged into mmdet: open-mmlab/mmdetection#3309).

From the standard RoI feature F (R, C, 7, 7) of proposal P, a shared FC (256) and two small FC branches
predict

* Δ_C (R, 2, 7, 7): one offset per bin; the classification branch pools the irregular proposal P_c with
  deformable RoI pooling, bin (i, j) shifted by γ Δ_C[:, :, i, j] (w, h);
* Δ_R (R, 2): one translation per RoI; the regression branch pools the shifted proposal
  P_r = P + γ Δ_R (w, h), and its box deltas are relative to P_r.

Each branch has its own 2-FC trunk. The ordinary sibling head (mmdet's Shared2FC) runs on F in training only,
and the progressive constraint (paper eq. 7-8) asks the TSD branches to beat it by a margin:

    M_cls = relu(-(p_tsd[y] - p_sib[y] - m_c)),   m_c = min(margin_cls, 1 - p_sib[y])     (all sampled RoIs)
    M_loc = relu(-(IoU_tsd - IoU_sib - m_r)),     m_r = min(margin_loc, 1 - IoU_sib)      (positive RoIs)

with the sibling's values and the margins detached. Inference runs the TSD branches only.

Shape shorthand: R RoIs, C channels, (PH, PW) the RoI feature size, K classes.
"""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.roi_heads.bbox_heads import ConvFCBBoxHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import empty_instances
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox2roi, bbox_overlaps
from torch import Tensor, nn

from .deform_roi_pool import TorchDeformRoIPool

__all__ = ['progressive_constraint', 'TSDBBoxHead', 'TSDRoIHead']


def progressive_constraint(tsd: Tensor, sibling: Tensor, margin: float) -> Tensor:
    """The progressive constraint of TSD (paper eq. 7-8), per RoI.

    ``relu(-(tsd - sibling - m))`` with ``m = min(margin, 1 - sibling)``; the sibling's value and the
    margin are detached, so only the TSD branch is pushed.

    Args:
        tsd (Tensor): (R,) the TSD branch's value (probability of the true class, or IoU with the ground truth).
        sibling (Tensor): (R,) the sibling head's value.
        margin (float): the margin (m_c or m_r).

    Returns:
        Tensor: (R,) the constraint's loss per RoI.
    """
    sibling = sibling.detach()
    m = torch.clamp(1 - sibling, max=margin)
    return F.relu(-(tsd - sibling - m))


@MODELS.register_module()
class TSDBBoxHead(ConvFCBBoxHead):
    """TSD box head: the sibling head (the ConvFC head it subclasses, e.g. Shared2FC) plus the decoupled
    classification and regression branches (see the module docstring).

    Args:
        offset_gamma (float): γ, the scale of the predicted offsets (×(w, h)). Defaults to 0.1 (paper).
        margin_cls (float): the classification margin m_c of the progressive constraint. Defaults to 0.2.
        margin_loc (float): the localisation margin m_r. Defaults to 0.2.
        offset_channels (int): width of the offset branches' FCs. Defaults to 256 (paper).
        pool_sampling_ratio (int): samples per bin side of the decoupled poolings (0: adaptive, as mmdet's
            RoIAlign default). Defaults to 2.
        loss_pc_weight (float): weight of both constraint losses. Defaults to 1.0 (official code).
        **kwargs: the arguments of ``ConvFCBBoxHead``; the TSD trunks copy its shared FCs
            (``num_shared_fcs`` FCs of ``fc_out_channels``; 2 unless given, as Shared2FCBBoxHead).
    """

    def __init__(self, offset_gamma: float = 0.1, margin_cls: float = 0.2, margin_loc: float = 0.2,
                 offset_channels: int = 256, pool_sampling_ratio: int = 2, loss_pc_weight: float = 1.0,
                 init_cfg=None, **kwargs) -> None:
        kwargs.setdefault('num_shared_fcs', 2)  # the sibling is mmdet's Shared2FCBBoxHead by default
        super().__init__(init_cfg=init_cfg, **kwargs)
        if self.num_shared_convs or self.num_cls_convs or self.num_reg_convs or self.num_cls_fcs \
                or self.num_reg_fcs or self.num_shared_fcs == 0 or self.with_avg_pool:
            raise ValueError('TSDBBoxHead supports shared-FC sibling heads only (num_shared_fcs > 0, no convs, '
                             'no task-specific FCs, no average pooling), as the paper')
        for name, value in (('margin_cls', margin_cls), ('margin_loc', margin_loc)):
            if not 0 <= value <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {value}')
        self.offset_gamma = float(offset_gamma)
        self.margin_cls = float(margin_cls)
        self.margin_loc = float(margin_loc)
        self.loss_pc_weight = float(loss_pc_weight)
        self.pool_size = self.roi_feat_size
        in_dim = self.in_channels * self.roi_feat_area
        self.offset_fc = nn.Sequential(nn.Linear(in_dim, offset_channels), nn.ReLU(inplace=True))
        self.delta_c = nn.Sequential(nn.Linear(offset_channels, offset_channels), nn.ReLU(inplace=True))
        self.delta_c_out = nn.Linear(offset_channels, self.roi_feat_area * 2)
        self.delta_r = nn.Sequential(nn.Linear(offset_channels, offset_channels), nn.ReLU(inplace=True))
        self.delta_r_out = nn.Linear(offset_channels, 2)
        self.pool = TorchDeformRoIPool(self.roi_feat_size, sampling_ratio=pool_sampling_ratio,
                                       gamma=self.offset_gamma)
        self.tsd_cls_fcs = self._trunk(in_dim)
        self.tsd_reg_fcs = self._trunk(in_dim)
        self.tsd_fc_cls = nn.Linear(self.fc_out_channels, self.fc_cls.out_features)
        self.tsd_fc_reg = nn.Linear(self.fc_out_channels, self.fc_reg.out_features)
        if init_cfg is None:
            # as the sibling's layers; the offset branches' hidden layers as the official code (kaiming, a = 1).
            # Their output layers start at 0 (the official code uses kaiming there too): the offsets, and so
            # the decoupled branches, start as ordinary RoI pooling of the proposal, as mmcv's deformable
            # convolutions start their offsets. Kaiming output layers gave initial translations of several
            # box sizes on our toy detector, and a regression loss 1000x the sibling's.
            self.init_cfg += [
                dict(type='Xavier', distribution='uniform',
                     override=[dict(name='tsd_cls_fcs'), dict(name='tsd_reg_fcs')]),
                dict(type='Normal', std=0.01, override=dict(name='tsd_fc_cls')),
                dict(type='Normal', std=0.001, override=dict(name='tsd_fc_reg')),
                dict(type='Kaiming', a=1, distribution='normal', nonlinearity='leaky_relu',
                     override=[dict(name='offset_fc'), dict(name='delta_c'), dict(name='delta_r')]),
                dict(type='Constant', val=0, bias=0,
                     override=[dict(name='delta_c_out'), dict(name='delta_r_out')]),
            ]

    def _trunk(self, in_dim: int) -> nn.ModuleList:
        dims = [in_dim] + [self.fc_out_channels] * self.num_shared_fcs
        return nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def _run_trunk(self, trunk: nn.ModuleList, feats: Tensor) -> Tensor:
        x = feats.flatten(1)
        for fc in trunk:
            x = self.relu(fc(x))
        return x

    def shifted_rois(self, rois: Tensor, delta_r: Tensor) -> Tensor:
        """P_r: (R, 5) RoIs translated by γ Δ_R (w, h) (the regression branch's proposals)."""
        wh = rois[:, 3:5] - rois[:, 1:3]
        shift = self.offset_gamma * delta_r * wh
        return torch.cat([rois[:, :1], rois[:, 1:3] + shift, rois[:, 3:5] + shift], 1)

    def decoupled_pool(self, feats: Sequence[Tensor], rois: Tensor, levels: Tensor, strides: Sequence[int],
                       offset: Tensor) -> Tensor:
        """Deformable RoI pooling of each RoI on its FPN level: (R, C, PH, PW)."""
        parts, order = [], []
        for level, stride in enumerate(strides):
            idx = (levels == level).nonzero().squeeze(1)
            if idx.numel() == 0:
                continue
            self.pool.spatial_scale = 1.0 / stride
            parts.append(self.pool(feats[level], rois.index_select(0, idx), offset.index_select(0, idx)))
            order.append(idx)
        if not parts:
            return rois.new_zeros(0, self.in_channels, *self.pool_size)
        order = torch.cat(order)
        pooled = torch.cat(parts) if len(parts) > 1 else parts[0]
        if len(parts) > 1 or not bool((order == torch.arange(len(order), device=order.device)).all()):
            pooled = pooled.index_select(0, order.argsort())
        return pooled

    def forward_tsd(self, x: Tensor, feats: Sequence[Tensor], rois: Tensor, levels: Tensor,
                    strides: Sequence[int]) -> Dict[str, Optional[Tensor]]:
        """Run the head.

        Args:
            x (Tensor): (R, C, PH, PW) standard RoI features.
            feats (Sequence[Tensor]): the FPN maps the RoIs were pooled from.
            rois (Tensor): (R, 5) RoIs.
            levels (Tensor): (R,) FPN level of each RoI (as the RoI extractor maps them).
            strides (Sequence[int]): the levels' strides.

        Returns:
            dict: ``tsd_cls_score`` (R, K + 1), ``tsd_bbox_pred`` (R, 4K or 4), ``rois_r`` (R, 5),
            ``delta_c`` (R, 2, PH, PW), ``delta_r`` (R, 2), and in training the sibling's ``cls_score`` and
            ``bbox_pred`` (None at test time).
        """
        n = x.size(0)
        hidden = self.offset_fc(x.flatten(1))
        delta_c = self.delta_c_out(self.delta_c(hidden)).view(n, 2, *self.pool_size)
        delta_r = self.delta_r_out(self.delta_r(hidden))
        feats_c = self.decoupled_pool(feats, rois, levels, strides, delta_c)
        # one translation for every bin = pooling the translated box
        feats_r = self.decoupled_pool(feats, rois, levels, strides,
                                      delta_r[:, :, None, None].expand(-1, -1, *self.pool_size))
        out = dict(tsd_cls_score=self.tsd_fc_cls(self._run_trunk(self.tsd_cls_fcs, feats_c)),
                   tsd_bbox_pred=self.tsd_fc_reg(self._run_trunk(self.tsd_reg_fcs, feats_r)),
                   rois_r=self.shifted_rois(rois, delta_r), delta_c=delta_c, delta_r=delta_r,
                   cls_score=None, bbox_pred=None)
        if self.training:
            out['cls_score'], out['bbox_pred'] = super().forward(x)
        return out

    def _pos_gt_per_roi(self, sampling_results: List[SamplingResult]) -> Tuple[Tensor, Tensor]:
        """(R, 4) the assigned ground-truth box of each sampled RoI (zeros for negatives) and (R,) its image."""
        gts, images = [], []
        for i, res in enumerate(sampling_results):
            gt = res.pos_gt_bboxes.new_zeros(len(res.priors), 4)
            gt[:len(res.pos_gt_bboxes)] = res.pos_gt_bboxes
            gts.append(gt)
            images.append(torch.full((len(res.priors),), i, dtype=torch.long, device=gt.device))
        return torch.cat(gts), torch.cat(images)

    def _class_boxes(self, rois: Tensor, bbox_pred: Tensor, labels: Tensor) -> Tensor:
        if not self.reg_class_agnostic:
            bbox_pred = bbox_pred.view(len(bbox_pred), -1, 4)[torch.arange(len(labels)), labels]
        return self.bbox_coder.decode(rois[:, 1:], bbox_pred)

    def loss_tsd(self, out: Dict[str, Tensor], rois: Tensor, sampling_results: List[SamplingResult],
                 rcnn_train_cfg) -> Dict[str, Tensor]:
        """The sibling's losses (``loss_cls``, ``loss_bbox``), the TSD branches' (``loss_tsd_cls``,
        ``loss_tsd_bbox``, targets encoded relative to P_r) and the progressive constraint (``loss_pc_cls``,
        ``loss_pc_loc``)."""
        labels, label_weights, bbox_targets, bbox_weights = self.get_targets(sampling_results, rcnn_train_cfg)
        losses = self.loss(out['cls_score'], out['bbox_pred'], rois, labels, label_weights, bbox_targets,
                           bbox_weights)
        rois_r = out['rois_r']
        gt, image = self._pos_gt_per_roi(sampling_results)
        pos = ((labels >= 0) & (labels < self.num_classes)).nonzero().squeeze(1)
        tsd_targets = bbox_targets.clone()
        if pos.numel():
            # relative to P_r and not detached: the regression loss reaches Δ_R through its targets too, as in
            # the official bbox_target_tsd
            encoded = self.bbox_coder.encode(rois_r[pos, 1:], gt[pos])
            tsd_targets = tsd_targets.index_put((pos,), encoded.to(tsd_targets.dtype))
        tsd = self.loss(out['tsd_cls_score'], out['tsd_bbox_pred'], rois_r, labels, label_weights, tsd_targets,
                        bbox_weights)
        losses.update({k.replace('loss_', 'loss_tsd_') if k.startswith('loss_') else 'tsd_' + k: v
                       for k, v in tsd.items()})
        # progressive constraint, per image as the official code: images without positives add one 0 each
        num_images = len(sampling_results)
        has_pos = torch.zeros(num_images, dtype=torch.bool, device=labels.device)
        has_pos[image[pos]] = True
        probs_sib = F.softmax(out['cls_score'], -1)
        probs_tsd = F.softmax(out['tsd_cls_score'], -1)
        rows = torch.arange(len(labels), device=labels.device)
        pc_cls = progressive_constraint(probs_tsd[rows, labels], probs_sib[rows, labels], self.margin_cls)
        counted = has_pos[image]
        denominator = counted.sum() + (~has_pos).sum()
        losses['loss_pc_cls'] = self.loss_pc_weight * pc_cls[counted].sum() / denominator.clamp(min=1)
        if pos.numel():
            box_sib = self._class_boxes(rois[pos], out['bbox_pred'][pos], labels[pos])
            box_tsd = self._class_boxes(rois_r[pos], out['tsd_bbox_pred'][pos], labels[pos])
            iou_sib = bbox_overlaps(box_sib, gt[pos], is_aligned=True)
            iou_tsd = bbox_overlaps(box_tsd, gt[pos], is_aligned=True)
            pc_loc = progressive_constraint(iou_tsd, iou_sib, self.margin_loc)
            losses['loss_pc_loc'] = self.loss_pc_weight * pc_loc.sum() / (len(pos) + (~has_pos).sum())
        else:
            losses['loss_pc_loc'] = out['tsd_bbox_pred'].sum() * 0
        return losses


@MODELS.register_module()
class TSDRoIHead(StandardRoIHead):
    """A standard RoI head (box and optional mask branch) whose box head is a :class:`TSDBBoxHead`.

    Training runs the sibling and TSD branches and adds TSD's losses; inference runs the TSD branches only and
    decodes the boxes relative to the translated proposals P_r. The decoupled poolings use the FPN level that
    the RoI extractor maps each RoI to. The mask branch (Mask R-CNN) is unchanged.
    """

    def init_bbox_head(self, bbox_roi_extractor, bbox_head) -> None:
        super().init_bbox_head(bbox_roi_extractor, bbox_head)
        if not isinstance(self.bbox_head, TSDBBoxHead):
            raise TypeError(f'TSDRoIHead needs a TSDBBoxHead, got {type(self.bbox_head).__name__}')
        if not hasattr(self.bbox_roi_extractor, 'map_roi_levels'):
            raise TypeError('TSDRoIHead needs a single-level RoI extractor (SingleRoIExtractor)')

    def _bbox_forward(self, x: Tuple[Tensor], rois: Tensor) -> dict:
        extractor = self.bbox_roi_extractor
        feats = x[:extractor.num_inputs]
        bbox_feats = extractor(feats, rois)
        if self.with_shared_head:
            bbox_feats = self.shared_head(bbox_feats)
        levels = extractor.map_roi_levels(rois, len(feats))
        out = self.bbox_head.forward_tsd(bbox_feats, feats, rois, levels, extractor.featmap_strides)
        out['bbox_feats'] = bbox_feats
        return out

    def bbox_loss(self, x: Tuple[Tensor], sampling_results: List[SamplingResult]) -> dict:
        rois = bbox2roi([res.priors for res in sampling_results])
        out = self._bbox_forward(x, rois)
        out['loss_bbox'] = self.bbox_head.loss_tsd(out, rois, sampling_results, self.train_cfg)
        return out

    def predict_bbox(self, x: Tuple[Tensor], batch_img_metas: List[dict], rpn_results_list, rcnn_test_cfg,
                     rescale: bool = False):
        proposals = [res.bboxes for res in rpn_results_list]
        rois = bbox2roi(proposals)
        if rois.shape[0] == 0:
            return empty_instances(batch_img_metas, rois.device, task_type='bbox',
                                   box_type=self.bbox_head.predict_box_type, num_classes=self.bbox_head.num_classes,
                                   score_per_cls=rcnn_test_cfg is None)
        out = self._bbox_forward(x, rois)
        per_img = tuple(len(p) for p in proposals)
        return self.bbox_head.predict_by_feat(
            rois=out['rois_r'].split(per_img, 0), cls_scores=out['tsd_cls_score'].split(per_img, 0),
            bbox_preds=out['tsd_bbox_pred'].split(per_img, 0), batch_img_metas=batch_img_metas,
            rcnn_test_cfg=rcnn_test_cfg, rescale=rescale)
