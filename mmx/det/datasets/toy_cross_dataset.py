"""Toy cross-dataset data: the toy LVIS images split into sources that each annotate only some classes.

Derived from the toy LVIS v1 set (:func:`~mmx.det.datasets.generate_toy_lvis`): each source takes a disjoint
share of the training images and keeps only the annotations of its own classes, although the other
classes' objects stay drawn in its images, which is the situation of cross-dataset training (a face dataset's
images hold unlabelled people). Every source is written as a COCO-format file with its own categories, so it
is read by mmdet's ``CocoDataset`` and scored by ``CocoMetric``. The default pair overlaps on 8 classes and
each leaves 8 classes unannotated::

    a: red, blue, green, yellow shapes (16 classes)    b: green, yellow, cyan, magenta shapes (16 classes)

Files (``out_dir/annotations/``): ``<source>_train.json`` (its images, its classes),
``<source>_val.json`` (every validation image, its classes) and ``<source>_val_unannotated.json`` (every
validation image, the classes it leaves unannotated: what a merged model must learn from the other
sources). The images stay in the toy LVIS folder; ``file_name`` is relative to it.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence

__all__ = ['TOY_CROSS_SOURCES', 'make_toy_cross_dataset']

#: Source name -> the colours whose shapes it annotates.
TOY_CROSS_SOURCES: Dict[str, Sequence[str]] = {
    'a': ('red', 'blue', 'green', 'yellow'),
    'b': ('green', 'yellow', 'cyan', 'magenta'),
}


def _subset(doc: dict, images: list, cat_names: Sequence[str]) -> dict:
    cats = [c for c in doc['categories'] if c['name'] in set(cat_names)]
    cat_ids = {c['id'] for c in cats}
    img_ids = {im['id'] for im in images}
    anns = [a for a in doc['annotations'] if a['image_id'] in img_ids and a['category_id'] in cat_ids]
    # COCO format: file_name instead of LVIS's coco_url; iscrowd for pycocotools' evaluation
    imgs = [dict(id=im['id'], width=im['width'], height=im['height'],
                 file_name='/'.join(im['coco_url'].split('/')[-2:])) for im in images]
    anns = [dict(a, iscrowd=0) for a in anns]
    cats = [dict(id=c['id'], name=c['name'], supercategory='shape') for c in cats]
    return dict(images=imgs, annotations=anns, categories=cats)


def make_toy_cross_dataset(toy_lvis_dir: str, out_dir: str,
                           sources: Optional[Dict[str, Sequence[str]]] = None,
                           num_train_per_source: Optional[int] = None,
                           num_val: Optional[int] = None,
                           shares: Optional[Dict[str, int]] = None) -> Dict[str, dict]:
    """Write the sources' COCO-format files from a toy LVIS folder.

    Args:
        toy_lvis_dir (str): Folder of :func:`generate_toy_lvis` (``annotations/lvis_v1_{train,val}.json``).
        out_dir (str): Output folder; the files go to ``out_dir/annotations``.
        sources (dict[str, Sequence[str]], optional): Source name -> colours it annotates. Defaults to
            :data:`TOY_CROSS_SOURCES`.
        num_train_per_source (int, optional): Keep only the first this many training images of each source.
        num_val (int, optional): Keep only the first this many validation images.
        shares (dict[str, int], optional): Source name -> its relative share of the training images
            (positive integers; the images are dealt out in that ratio, interleaved). Defaults to equal
            shares. An unequal split is the usual cross-dataset situation (COCO's 118k images beside WIDER
            FACE's 12k): the classes that only the small source annotates are unlabelled in most images.

    Returns:
        dict[str, dict]: Per source, ``classes`` (its annotated class names, in category-id order),
        ``unannotated`` (the others) and the paths ``train``, ``val``, ``val_unannotated``.

    Raises:
        FileNotFoundError: If the toy LVIS files are missing.
        ValueError: If a source names an unknown colour, the sources are empty or the shares do not give
            every source a positive integer.
    """
    sources = dict(sources or TOY_CROSS_SOURCES)
    if not sources:
        raise ValueError('sources must not be empty')
    shares = dict(shares or {name: 1 for name in sources})
    if set(shares) != set(sources) or not all(isinstance(v, int) and v > 0 for v in shares.values()):
        raise ValueError(f'shares must give each source {sorted(sources)} a positive integer, got {shares}')
    docs = {}
    for split in ('train', 'val'):
        path = osp.join(toy_lvis_dir, 'annotations', f'lvis_v1_{split}.json')
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found: generate it with python tools/data/toy_lvis.py --out '
                                    f'{toy_lvis_dir}')
        with open(path) as f:
            docs[split] = json.load(f)
    names = [c['name'] for c in sorted(docs['train']['categories'], key=lambda c: c['id'])]
    colours = {n.split('_')[0] for n in names}
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    train_images = sorted(docs['train']['images'], key=lambda im: im['id'])
    val_images = sorted(docs['val']['images'], key=lambda im: im['id'])[:num_val]
    # deal the training images out in the ratio of the shares: a a a b, a a a b, ... for a=3, b=1
    pattern = [name for name in sources for _ in range(shares[name])]
    out = {}
    for name, cols in sources.items():
        unknown = set(cols) - colours
        if unknown:
            raise ValueError(f'source {name!r}: unknown colours {sorted(unknown)}; toy colours: {sorted(colours)}')
        classes = [n for n in names if n.split('_')[0] in set(cols)]
        others = [n for n in names if n not in classes]
        images = [im for i, im in enumerate(train_images)
                  if pattern[i % len(pattern)] == name][:num_train_per_source]
        files = dict(train=_subset(docs['train'], images, classes),
                     val=_subset(docs['val'], val_images, classes),
                     val_unannotated=_subset(docs['val'], val_images, others))
        out[name] = dict(classes=tuple(classes), unannotated=tuple(others))
        for key, doc in files.items():
            path = osp.join(out_dir, 'annotations', f'{name}_{key}.json')
            with open(path, 'w') as f:
                json.dump(doc, f)
            out[name][key] = path
    return out
