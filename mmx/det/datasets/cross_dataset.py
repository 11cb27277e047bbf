"""One detection dataset over the union of several datasets' label spaces (cross-dataset training).

`Cross-dataset Training for Class Increasing Object Detection <https://arxiv.org/abs/2001.04621>`_ (Yao et
al., 2020): merge the classes that two datasets share through a label map, concatenate the label spaces,
keep each image's source dataset, and record which classes each source annotates, so that a loss can
avoid treating an unannotated class as background (see ``mmx.det.losses.cross_dataset``).

Shape shorthand: C unified classes, S sources.
"""
import copy
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.datasets.transforms import PackDetInputs
from mmdet.registry import DATASETS, TRANSFORMS
from mmengine.dataset import BaseDataset, ConcatDataset

__all__ = ['CROSS_DATASET_KEYS', 'CrossDataset', 'CrossDatasetLabels', 'build_label_space']

#: Keys stamped on every data info and added to the meta keys of each source's ``PackDetInputs``, so that
#: they reach ``DetDataSample.metainfo``: the source's name, its index, and the image's annotated classes
#: (sorted int64 unified labels).
CROSS_DATASET_KEYS = ('source', 'source_id', 'annotated_labels')


def build_label_space(source_classes: Dict[str, Sequence[str]],
                      label_maps: Optional[Dict[str, Dict[str, Optional[str]]]] = None,
                      classes: Optional[Sequence[str]] = None) -> dict:
    """The unified label space of several datasets (the paper's label map and concatenation).

    A source class keeps its name unless its source's label map renames it; classes of the same (mapped)
    name are one unified class. A map value ``None`` drops the class (its boxes are removed and it counts
    as not annotated by that source).

    Args:
        source_classes (dict[str, Sequence[str]]): Source name -> its classes in label order.
        label_maps (dict[str, dict[str, str | None]], optional): Source name -> {source class: unified
            name or None}. Defaults to None (every class keeps its name).
        classes (Sequence[str], optional): The unified classes in the wanted order; must be exactly the
            mapped names. Defaults to None (order of first appearance, sources in order).

    Returns:
        dict: ``classes`` (tuple of C names), ``label_maps`` (source -> int64 array, per source label
        its unified label or -1 when dropped) and ``annotated`` (source -> sorted int64 array of the
        unified labels it annotates).

    Raises:
        ValueError: If a label map names an unknown source or class, if two classes of one source map to
            the same unified class, or if ``classes`` does not match the mapped names.
    """
    label_maps = dict(label_maps or {})
    unknown = set(label_maps) - set(source_classes)
    if unknown:
        raise ValueError(f'label_map given for unknown sources {sorted(unknown)}; sources: '
                         f'{list(source_classes)}')
    mapped: Dict[str, List[Optional[str]]] = {}
    for name, src_classes in source_classes.items():
        label_map = dict(label_maps.get(name) or {})
        missing = set(label_map) - set(src_classes)
        if missing:
            raise ValueError(f'label_map of source {name!r} names classes {sorted(missing)} that it does '
                             f'not have; its classes: {list(src_classes)}')
        names = [label_map.get(c, c) for c in src_classes]
        kept = [n for n in names if n is not None]
        if len(set(kept)) != len(kept):
            dup = sorted({n for n in kept if kept.count(n) > 1})
            raise ValueError(f'source {name!r} maps several of its classes to {dup}; a source must '
                             'annotate each unified class with one class')
        mapped[name] = names
    order: List[str] = []
    for names in mapped.values():
        order += [n for n in names if n is not None and n not in order]
    if classes is None:
        classes = order
    elif sorted(classes) != sorted(order) or len(set(classes)) != len(classes):
        raise ValueError(f'classes must be exactly the unified names {sorted(order)}, got {list(classes)}')
    index = {c: i for i, c in enumerate(classes)}
    maps = {name: np.array([-1 if n is None else index[n] for n in names], dtype=np.int64)
            for name, names in mapped.items()}
    annotated = {name: np.unique(m[m >= 0]) for name, m in maps.items()}
    return dict(classes=tuple(classes), label_maps=maps, annotated=annotated)


@TRANSFORMS.register_module()
class CrossDatasetLabels(BaseTransform):
    """Move one source's data info into the unified label space; put first in the source's pipeline.

    Remaps the ``bbox_label`` of each entry of ``instances`` (dropping the instances of dropped classes),
    remaps LVIS's federated lists (``neg_labels``, ``not_exhaustive_labels`` of
    :class:`LVISV1FederatedDataset`) when present, and adds the :data:`CROSS_DATASET_KEYS`. The image's
    annotated classes are the source's, less the image's not-exhaustive ones; with ``federated`` they are
    further limited to the image's positive and verified-negative classes (LVIS's federated design).
    :class:`CrossDataset` inserts this transform itself.

    Args:
        source (str): The source's name.
        source_id (int): Its index among the sources.
        label_map (Sequence[int]): Per source label, its unified label (-1: dropped).
        annotated (Sequence[int]): The unified labels the source annotates.
        federated (bool): Limit each image's annotated classes to its positive and negative ones.
            Defaults to False.
    """

    def __init__(self, source: str, source_id: int, label_map: Sequence[int], annotated: Sequence[int],
                 federated: bool = False) -> None:
        self.source = source
        self.source_id = int(source_id)
        self.label_map = np.asarray(label_map, dtype=np.int64)
        self.annotated = np.unique(np.asarray(annotated, dtype=np.int64))
        self.federated = federated

    def transform(self, results: dict) -> dict:
        results = remap_data_info(results, self.label_map, self.source)
        annotated = self.annotated
        if 'not_exhaustive_labels' in results:
            annotated = np.setdiff1d(annotated, results['not_exhaustive_labels'])
        if self.federated:
            present = [inst['bbox_label'] for inst in results.get('instances', [])]
            verified = np.union1d(np.asarray(present, dtype=np.int64), results.get('neg_labels', []))
            annotated = np.intersect1d(annotated, verified)
        results['source'] = self.source
        results['source_id'] = self.source_id
        results['annotated_labels'] = annotated.astype(np.int64)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(source={self.source!r}, source_id={self.source_id}, '
                f'num_annotated={len(self.annotated)}, federated={self.federated})')


def remap_data_info(info: dict, label_map: np.ndarray, source: str) -> dict:
    """A copy of a data info with its labels (instances and federated lists) in the unified space."""
    info = dict(info)
    if 'instances' in info:
        instances = []
        for inst in info['instances']:
            label = int(inst['bbox_label'])
            if not 0 <= label < len(label_map):
                raise ValueError(f'source {source!r}: bbox_label {label} outside [0, {len(label_map)})')
            if label_map[label] >= 0:
                instances.append(dict(inst, bbox_label=int(label_map[label])))
        info['instances'] = instances
    for key in ('neg_labels', 'not_exhaustive_labels'):
        if key in info:
            labels = np.asarray(info[key], dtype=np.int64)
            mapped = label_map[labels] if labels.size else labels
            info[key] = np.unique(mapped[mapped >= 0])
    return info


@DATASETS.register_module()
class CrossDataset(ConcatDataset):
    """Several mmdet datasets as one, over the union of their label spaces.

    Implements the data side of Yao et al., `Cross-dataset Training for Class Increasing Object Detection
    <https://arxiv.org/abs/2001.04621>`_: classes of the same name (after each source's ``label_map``) are
    merged, every source's labels are remapped to the unified labels, and each sample carries its source
    and its annotated classes (:data:`CROSS_DATASET_KEYS`) into ``DetDataSample.metainfo``: the wrapper
    puts :class:`CrossDatasetLabels` first in each source's pipeline and adds the keys to the meta keys of
    its ``PackDetInputs``. Unlike mmengine's ``ConcatDataset``, the sources may differ in metainfo; it is
    still a ``ConcatDataset`` (``cumulative_sizes``), so mmdet's ``MultiSourceSampler`` and
    ``GroupMultiSourceSampler`` give batches with fixed source ratios (``source_ratio`` in source order).

    Example (COCO + VOC, VOC's names renamed to COCO's)::

        dict(type='CrossDataset', sources=[
            dict(name='coco', dataset=dict(type='CocoDataset', ...)),
            dict(name='voc', dataset=dict(type='VOCDataset', ...),
                 label_map=dict(aeroplane='airplane', motorbike='motorcycle', tvmonitor='tv', ...))])

    The metainfo holds ``classes`` (the C unified names), ``sources`` (names, in order),
    ``source_classes`` (name -> the source's own classes), ``source_label_maps`` (name -> tuple of unified
    labels per source label, -1 dropped), ``annotated_by`` (per unified class, the tuple of sources that
    annotate it), ``source_sizes`` and ``source_metainfo`` (name -> the source dataset's metainfo, which
    :class:`~mmx.det.evaluation.CrossDatasetMetric` gives to each source's own metric).

    Args:
        sources (Sequence[dict]): One dict per source: ``name`` (str, unique), ``dataset`` (a dataset
            config or a built ``BaseDataset`` with a ``classes`` metainfo), optional ``label_map``
            ({source class: unified name, or None to drop it}), optional ``annotated`` (the source's own
            classes it annotates exhaustively; default all of them, e.g. give fewer to mark classes whose
            boxes are present but incomplete) and optional ``federated`` (bool, see
            :class:`CrossDatasetLabels`).
        classes (Sequence[str], optional): The unified classes in the wanted order. Defaults to None
            (order of first appearance).
        lazy_init (bool): As ``ConcatDataset``. Defaults to False.
    """

    def __init__(self, sources: Sequence[dict], classes: Optional[Sequence[str]] = None,
                 lazy_init: bool = False) -> None:
        if not isinstance(sources, (list, tuple)) or not sources:
            raise ValueError(f'CrossDataset needs a non-empty list of sources, got {sources!r}')
        allowed = {'name', 'dataset', 'label_map', 'annotated', 'federated'}
        names = []
        for i, src in enumerate(sources):
            if not isinstance(src, dict) or 'name' not in src or 'dataset' not in src:
                raise ValueError(f'source {i} must be a dict with "name" and "dataset", got {src!r}')
            extra = set(src) - allowed
            if extra:
                raise ValueError(f'source {src["name"]!r} has unknown keys {sorted(extra)}; allowed: '
                                 f'{sorted(allowed)}')
            names.append(str(src['name']))
        if len(set(names)) != len(names):
            raise ValueError(f'source names must be unique, got {names}')
        datasets = [DATASETS.build(src['dataset']) if isinstance(src['dataset'], dict) else src['dataset']
                    for src in sources]
        for name, ds in zip(names, datasets):
            if not isinstance(ds, BaseDataset) or 'classes' not in ds.metainfo:
                raise TypeError(f'source {name!r} must be a BaseDataset with metainfo "classes", got '
                                f'{type(ds).__name__}')
        # metainfo differs between sources by design: skip ConcatDataset's equality check.
        all_keys = sorted(set().union(*(ds.metainfo.keys() for ds in datasets)))
        super().__init__(datasets, lazy_init=True, ignore_keys=all_keys)

        source_classes = {n: tuple(ds.metainfo['classes']) for n, ds in zip(names, datasets)}
        space = build_label_space(source_classes, {s['name']: s['label_map'] for s in sources
                                                   if s.get('label_map')}, classes)
        self.source_names = tuple(names)
        self.label_maps = space['label_maps']
        annotated = {}
        for src, name in zip(sources, names):
            own = src.get('annotated')
            if own is None:
                annotated[name] = space['annotated'][name]
                continue
            unknown = set(own) - set(source_classes[name])
            if unknown:
                raise ValueError(f'annotated of source {name!r} lists {sorted(unknown)}, not its classes')
            labels = self.label_maps[name][[source_classes[name].index(c) for c in own]]
            annotated[name] = np.unique(labels[labels >= 0])
        self.annotated = annotated
        for i, (src, name, ds) in enumerate(zip(sources, names, datasets)):
            self._prepare_pipeline(ds, CrossDatasetLabels(name, i, self.label_maps[name], annotated[name],
                                                          bool(src.get('federated', False))))
        classes = space['classes']
        self._metainfo = dict(
            classes=classes,
            sources=self.source_names,
            source_classes=source_classes,
            source_label_maps={n: tuple(int(x) for x in m) for n, m in self.label_maps.items()},
            annotated_by=tuple(tuple(n for n in names if c in annotated[n]) for c in range(len(classes))),
            source_metainfo={n: ds.metainfo for n, ds in zip(names, datasets)})
        if not lazy_init:
            self.full_init()

    @staticmethod
    def _prepare_pipeline(dataset: BaseDataset, labels: CrossDatasetLabels) -> None:
        transforms = getattr(dataset.pipeline, 'transforms', None)
        if transforms is None:
            raise TypeError(f'source {labels.source!r}: its pipeline must be a Compose')
        transforms.insert(0, labels)
        for t in transforms:
            if isinstance(t, PackDetInputs):
                t.meta_keys = tuple(t.meta_keys) + tuple(k for k in CROSS_DATASET_KEYS if k not in t.meta_keys)

    def full_init(self) -> None:
        if self._fully_initialized:
            return
        super().full_init()
        self._metainfo['source_sizes'] = tuple(len(ds) for ds in self.datasets)

    def get_data_info(self, idx: int) -> dict:
        """The data info of sample ``idx`` in the unified label space, with the cross-dataset keys."""
        dataset_idx, sample_idx = self._get_ori_dataset_idx(idx)
        transform = self.datasets[dataset_idx].pipeline.transforms[0]
        return transform(copy.deepcopy(self.datasets[dataset_idx].get_data_info(sample_idx)))

    def get_cat_ids(self, idx: int) -> List[int]:
        """Unified labels of the instances of sample ``idx`` (e.g. for ``ClassBalancedDataset``)."""
        return sorted({inst['bbox_label'] for inst in self.get_data_info(idx).get('instances', [])})

    def class_table(self) -> List[dict]:
        """Per unified class: ``label``, ``name``, ``annotated_by`` (sources) and ``source_names``
        (source -> the source's own name of the class)."""
        table = []
        for label, name in enumerate(self._metainfo['classes']):
            own = {}
            for src in self.source_names:
                hits = np.flatnonzero(self.label_maps[src] == label)
                if hits.size:
                    own[src] = self._metainfo['source_classes'][src][int(hits[0])]
            table.append(dict(label=label, name=name, annotated_by=self._metainfo['annotated_by'][label],
                              source_names=own))
        return table

