"""Per-source evaluation of one detector trained over several datasets' merged label space."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmdet.registry import METRICS
from mmengine.dist import broadcast_object_list, collect_results, is_main_process
from mmengine.evaluator import BaseMetric

__all__ = ['CrossDatasetMetric']

_INSTANCE_KEYS = ('pred_instances', 'gt_instances', 'ignored_instances')


@METRICS.register_module()
class CrossDatasetMetric(BaseMetric):
    """Each source's own metric on that source's images, side by side, for a cross-dataset model.

    For a validation set built with :class:`~mmx.det.datasets.CrossDataset`, every sample is routed by its
    ``source`` metainfo to the metric configured for that source (e.g. ``CocoMetric`` for COCO,
    ``VOCMetric`` for VOC, ``LVISMetric`` for LVIS), after its predictions and ground truth are mapped back
    from the unified labels to the source's own labels; predictions of classes the source does not have
    are dropped, as the source's metric cannot score them. Each source metric gets the source dataset's
    metainfo (``source_metainfo`` of the ``CrossDataset``). Results are gathered over all processes in
    dataset order (padding of the distributed sampler dropped) before they are routed, so DDP evaluation
    matches a single process. Keys are ``'<source>/<metric prefix>/<key>'``, e.g. ``'coco/coco/bbox_mAP'``.

    Args:
        source_metrics (dict[str, dict]): Source name -> metric config. Sources without one are skipped.
            (Not ``metrics``: mmengine's runner reads a ``metrics`` key as an ``Evaluator`` config.)
        collect_device (str): ``'cpu'`` or ``'gpu'``. Defaults to ``'cpu'``.
        prefix (str, optional): Not used in the keys (each source metric keeps its own prefix); accepted
            as every mmengine metric accepts it.
    """

    default_prefix: Optional[str] = 'cross_dataset'

    def __init__(self, source_metrics: Dict[str, dict], collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if not isinstance(source_metrics, dict) or not source_metrics:
            raise ValueError('source_metrics must be a non-empty dict of source name -> metric config, got '
                             f'{source_metrics!r}')
        self.metrics = {name: METRICS.build(cfg) if isinstance(cfg, dict) else cfg
                        for name, cfg in source_metrics.items()}
        self._to_source: Dict[str, np.ndarray] = {}

    @property
    def dataset_meta(self) -> Optional[dict]:
        return self._dataset_meta

    @dataset_meta.setter
    def dataset_meta(self, meta: dict) -> None:
        missing = [k for k in ('classes', 'source_label_maps', 'source_metainfo') if k not in meta]
        if missing:
            raise ValueError(f'CrossDatasetMetric needs the metainfo of a CrossDataset; missing {missing}')
        unknown = set(self.metrics) - set(meta['source_label_maps'])
        if unknown:
            raise ValueError(f'metrics given for sources {sorted(unknown)} that the dataset does not have; '
                             f'its sources: {list(meta["source_label_maps"])}')
        self._dataset_meta = meta
        for name, metric in self.metrics.items():
            metric.dataset_meta = meta['source_metainfo'][name]
            to_source = np.full(len(meta['classes']), -1, dtype=np.int64)
            for src_label, label in enumerate(meta['source_label_maps'][name]):
                if label >= 0:
                    to_source[label] = src_label
            self._to_source[name] = to_source

    def _to_source_sample(self, sample: dict, to_source: np.ndarray) -> dict:
        sample = dict(sample)
        for key in _INSTANCE_KEYS:
            if key not in sample or 'labels' not in sample[key]:
                continue
            inst = sample[key]
            labels = torch.as_tensor(inst['labels'])
            mapped = torch.as_tensor(to_source, device=labels.device)[labels.long()] if labels.numel() \
                else labels.long()
            keep = mapped >= 0
            num = labels.numel()
            out = {k: v[keep] if hasattr(v, '__len__') and not isinstance(v, str) and len(v) == num
                   else v for k, v in inst.items()}
            out['labels'] = mapped[keep]
            sample[key] = out
        return sample

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Route each sample to its source's metric, in that source's labels.

        Args:
            data_batch (dict): The batch (passed on to the source metrics).
            data_samples (Sequence[dict]): Model outputs as dicts, with ``source`` metainfo.
        """
        for sample in data_samples:
            if 'source' not in sample:
                raise KeyError('a data sample has no "source" metainfo: evaluate a CrossDataset (it adds the '
                               "key to PackDetInputs' meta keys)")
            name = sample['source']
            metric = self.metrics.get(name)
            if metric is None:
                self.results.append((name, []))
                continue
            start = len(metric.results)
            metric.process(data_batch, [self._to_source_sample(sample, self._to_source[name])])
            self.results.append((name, metric.results[start:]))
            del metric.results[start:]

    def compute_metrics(self, results: List[tuple]) -> Dict[str, float]:
        """Each source metric's ``compute_metrics`` on its samples' results, keys prefixed by source."""
        out = {}
        for name, metric in self.metrics.items():
            own = [r for src, rs in results if src == name for r in rs]
            if not own:
                continue
            for key, value in metric.compute_metrics(own).items():
                out['/'.join(p for p in (name, metric.prefix, key) if p)] = value
        return out

    def evaluate(self, size: int) -> dict:
        """Gather the routed results of all processes (in dataset order, padding dropped) and compute.

        Args:
            size (int): Length of the whole validation dataset.

        Returns:
            dict: The metrics of every source (see the class docstring).
        """
        results = collect_results(self.results, size, self.collect_device)
        metrics = [self.compute_metrics(results)] if is_main_process() else [None]
        broadcast_object_list(metrics)
        self.results.clear()
        return metrics[0]
