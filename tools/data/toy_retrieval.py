"""Generate the toy compositional text-image retrieval dataset (SCAN precomp layout) of the CAMP configs.

Example::

    python tools/data/toy_retrieval.py --out data/toy_retrieval

Writes ``{train,dev,test}_ims.npy``, ``{split}_caps.txt``, ``{split}_ids.txt`` and ``vocab.json``;
the same arguments always give the same files. See :func:`mmx.retrieval.generate_toy_retrieval`.
"""
import argparse

from mmx.retrieval.datasets import generate_toy_retrieval


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate the toy compositional retrieval dataset.')
    parser.add_argument('--out', default='data/toy_retrieval', help='output folder (default: data/toy_retrieval)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    parser.add_argument('--train-groups', type=int, default=150, help='groups of 4 training images (default: 150)')
    parser.add_argument('--dev-groups', type=int, default=25, help='groups of 4 dev images (default: 25)')
    parser.add_argument('--test-groups', type=int, default=25, help='groups of 4 test images (default: 25)')
    parser.add_argument('--regions', type=int, default=12, help='regions per image (default: 12)')
    parser.add_argument('--feat-dim', type=int, default=64, help='region feature size (default: 64)')
    parser.add_argument('--noise', type=float, default=0.3, help='norm of the region noise (default: 0.3)')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    stats = generate_toy_retrieval(
        args.out, dict(train=args.train_groups, dev=args.dev_groups, test=args.test_groups),
        num_regions=args.regions, feat_dim=args.feat_dim, noise=args.noise, seed=args.seed)
    print(f'Toy retrieval data in {args.out}:')
    for split, s in stats.items():
        print(f'  {split:<6}{s["num_images"]:>6} images {s["num_captions"]:>6} captions')


if __name__ == '__main__':
    main()
