"""Write the toy cross-dataset sources (COCO-format files) from the toy LVIS set.

Example::

    python tools/data/toy_lvis.py --out data/toy_lvis
    python tools/data/toy_cross_dataset.py --toy-lvis data/toy_lvis --out data/toy_cross_dataset

See :func:`mmx.det.datasets.make_toy_cross_dataset` (source "a": red, blue, green, yellow shapes; "b": green,
yellow, cyan, magenta; disjoint halves of the training images).
"""
import argparse

from mmx.det.datasets import generate_toy_lvis, make_toy_cross_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='Toy cross-dataset sources from the toy LVIS set.')
    parser.add_argument('--toy-lvis', default='data/toy_lvis', help='toy LVIS folder (generated if missing)')
    parser.add_argument('--out', default='data/toy_cross_dataset', help='output folder')
    args = parser.parse_args(argv)
    generate_toy_lvis(args.toy_lvis)
    for name, info in make_toy_cross_dataset(args.toy_lvis, args.out).items():
        print(f'source {name}: {len(info["classes"])} classes annotated, {len(info["unannotated"])} not; '
              f'{info["train"]}')


if __name__ == '__main__':
    main()
