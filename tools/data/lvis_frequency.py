"""Per-category frequencies of an LVIS annotation file, and the EQL λ table.

Example::

    python tools/data/lvis_frequency.py data/lvis_v1/annotations/lvis_v1_train.json \\
        --out data/lvis_v1/annotations/lvis_v1_train_frequency.json

It writes, for every category, ``image_count``, ``instance_count``, the LVIS group and
``freq = image_count / (images with annotations)`` (the frequency of the Equalization Loss), and prints for
a range of thresholds λ the tail ratio ``TR(λ)`` of the EQL paper and the categories ``f < λ`` covers, in
total and per LVIS group. The output file can replace the annotation file as ``ann_file`` of
``EqualizationLoss`` / ``EqualizationLossV2`` (it is read much faster than LVIS's 1 GB training file).
See :mod:`mmx.det.losses.category_frequency`.
"""
import argparse
import json
import os
import os.path as osp
from typing import List, Optional

from mmx.det.losses.category_frequency import LVIS_GROUPS, lambda_table, load_category_frequency


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Category frequencies of an LVIS annotation file.')
    parser.add_argument('ann_file', help='LVIS (or COCO-style) annotation file, normally the training split')
    parser.add_argument('--out', help='write the frequencies to this JSON file')
    parser.add_argument('--lambdas', type=float, nargs='+',
                        help='λ values of the table (default: LVIS values, the group edges and a range)')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    stats = load_category_frequency(args.ann_file)
    groups = {g: stats.groups.count(g) for g in LVIS_GROUPS}
    print(f'{args.ann_file}: {stats.num_classes} categories (r/c/f {groups["r"]}/{groups["c"]}/'
          f'{groups["f"]}), {stats.num_images} images with annotations, '
          f'{int(stats.instance_count.sum())} instances')
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(stats.to_json(), f, indent=1)
        print(f'frequencies written to {args.out}')
    print(f'{"lambda":>10}  {"tail ratio":>10}  {"categories":>10}  ' +
          '  '.join(f'{g:>9}' for g in LVIS_GROUPS))
    for row in lambda_table(stats, args.lambdas):
        print(f'{row["lambda"]:>10.6g}  {row["tail_ratio"]:>10.4f}  {row["num_categories"]:>10d}  ' +
              '  '.join(f'{row["groups"][g]:>9}' for g in LVIS_GROUPS))


if __name__ == '__main__':
    main()
