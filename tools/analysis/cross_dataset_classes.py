"""Print the unified class table of a cross-dataset config: each class and which sources annotate it.

Example::

    python tools/analysis/cross_dataset_classes.py configs/cross_dataset/retinanet_r50_fpn_cross-dataset_1x_voc0712-coco.py

Builds the config's ``CrossDataset`` (``--split``: train, val or test) without reading any annotation file
(every source is built with ``lazy_init=True``; only the class names of the sources are needed), then prints,
per unified label, its name and, per source, the source's own name of the class ("-": the source does not have
it; "*": it has the class but does not annotate it exhaustively), and the number of classes each source
annotates. ``--json`` writes the table as JSON too.
"""
import argparse
import json
import os.path as osp
import sys

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Unified class table of a CrossDataset config.')
    parser.add_argument('config', help='config file with a CrossDataset')
    parser.add_argument('--split', choices=('train', 'val', 'test'), default='train')
    parser.add_argument('--json', help='also write the table to this JSON file')
    return parser.parse_args(argv)


def find_cross_dataset(cfg: dict) -> dict:
    """The CrossDataset config inside a dataloader's dataset (possibly under dataset wrappers)."""
    while cfg is not None and cfg.get('type') != 'CrossDataset':
        cfg = cfg.get('dataset')
    if cfg is None:
        raise ValueError('the config has no CrossDataset in that split')
    return cfg


def main(argv=None) -> list:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    import mmx  # noqa: F401
    from mmdet.registry import DATASETS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    cfg = Config.fromfile(args.config)
    loader = cfg.get(f'{args.split}_dataloader')
    if not loader:
        raise ValueError(f'{args.config} has no {args.split}_dataloader')
    ds_cfg = find_cross_dataset(loader['dataset'])
    ds_cfg = dict(ds_cfg, lazy_init=True,
                  sources=[dict(s, dataset=dict(s['dataset'], lazy_init=True)) for s in ds_cfg['sources']])
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmdet')):
        dataset = DATASETS.build(ds_cfg)
    sources = dataset.metainfo['sources']
    table = dataset.class_table()
    width = max([len(r['name']) for r in table] + [5])
    cols = {s: max([len(s)] + [len(r['source_names'].get(s, '-')) + 1 for r in table]) for s in sources}
    print(f'{"label":>5}  {"class":<{width}}  ' + '  '.join(f'{s:<{cols[s]}}' for s in sources))
    for r in table:
        cells = []
        for s in sources:
            own = r['source_names'].get(s, '-')
            if own != '-' and s not in r['annotated_by']:
                own += '*'
            cells.append(f'{own:<{cols[s]}}')
        print(f'{r["label"]:>5}  {r["name"]:<{width}}  ' + '  '.join(cells))
    counts = {s: sum(s in r['annotated_by'] for r in table) for s in sources}
    print(f'{len(table)} unified classes; annotated per source: ' +
          ', '.join(f'{s} {n}' for s, n in counts.items()))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(table, f, indent=1)
    return table


if __name__ == '__main__':
    main()
