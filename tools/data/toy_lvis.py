"""Generate the toy long-tailed LVIS v1 dataset (the embedded data of the EQL / EQLv2 demos).

Example::

    python tools/data/toy_lvis.py --out data/toy_lvis --seed 0

It writes ``annotations/lvis_v1_{train,val}.json`` and ``{train,val}2017/*.jpg`` under ``--out`` and
does nothing if a dataset made with the same arguments is already there (``--force`` regenerates).
See :func:`mmx.det.datasets.generate_toy_lvis`.
"""
import argparse
import time

from mmengine.utils import ProgressBar

from mmx.det.datasets import generate_toy_lvis


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate the toy long-tailed LVIS v1 dataset.')
    parser.add_argument('--out', default='data/toy_lvis', help='output folder (default: data/toy_lvis)')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    parser.add_argument('--num-train', type=int, default=600, help='training images (default: 600)')
    parser.add_argument('--num-val', type=int, default=150, help='validation images (default: 150)')
    parser.add_argument('--image-size', type=int, default=128, help='image width and height (default: 128)')
    parser.add_argument('--min-val-images', type=int, default=4,
                        help='fewest validation images per category (default: 4)')
    parser.add_argument('--not-exhaustive-ratio', type=float, default=0.1,
                        help='share of images with an unannotated instance (default: 0.1)')
    parser.add_argument('--force', action='store_true', help='regenerate even if the dataset is present')
    parser.add_argument('--no-progress', action='store_true', help='do not show a progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    bar = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(ProgressBar(total))
        bar[0].update()

    start = time.perf_counter()
    result = generate_toy_lvis(
        args.out,
        seed=args.seed,
        num_train=args.num_train,
        num_val=args.num_val,
        image_size=args.image_size,
        min_val_images=args.min_val_images,
        not_exhaustive_ratio=args.not_exhaustive_ratio,
        force=args.force,
        progress=None if args.no_progress else progress)
    if bar:
        print()
    seconds = time.perf_counter() - start
    state = f'generated in {seconds:.1f} s' if result['generated'] else 'already present, kept'
    print(f'Toy LVIS v1 in {result["out_dir"]}: {state}')
    print(f'{"split":<6}{"images":>8}{"instances":>11}   categories r / c / f')
    for split in ('train', 'val'):
        s = result['summary'][split]
        groups = s['categories']
        counts = ' / '.join(str(groups[g]) for g in 'rcf')
        print(f'{split:<6}{s["images"]:>8}{s["instances"]:>11}   {counts}')
    print(f'annotations: {result["train_ann_file"]}, {result["val_ann_file"]}')


if __name__ == '__main__':
    main()
