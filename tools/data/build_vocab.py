"""Build a caption vocabulary (SCAN's JSON layout) from SCAN-format caption files.

Example::

    python tools/data/build_vocab.py data/f30k_precomp/train_caps.txt --threshold 4 \\
        --out data/vocab/f30k_precomp_vocab.json

Words seen at least ``--threshold`` times (VSE++/SCAN/CAMP use 4) are kept after ``<pad>``, ``<start>``,
``<end>``, ``<unk>`` (ids 0..3). The model's ``vocab_size`` must equal the printed size.
"""
import argparse
import os
import os.path as osp

from mmx.retrieval.datasets import build_vocab


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Build a caption vocabulary from caption files.')
    parser.add_argument('captions', nargs='+', help='caption files, one caption per line')
    parser.add_argument('--out', required=True, help='output JSON file')
    parser.add_argument('--threshold', type=int, default=4, help='minimum word count (default: 4)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    for path in args.captions:
        if not osp.isfile(path):
            raise FileNotFoundError(f'caption file {path} does not exist')

    def lines():
        for path in args.captions:
            with open(path, encoding='utf-8') as f:
                yield from (line.strip() for line in f)

    vocab = build_vocab(lines(), args.threshold)
    if osp.dirname(args.out):
        os.makedirs(osp.dirname(args.out), exist_ok=True)
    vocab.save(args.out)
    print(f'vocabulary of {len(vocab)} tokens (threshold {args.threshold}) written to {args.out}')


if __name__ == '__main__':
    main()
