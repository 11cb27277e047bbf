"""Generate a toy video dataset whose labels are directions of motion (the data of the TIN / TSM demos).

Examples::

    python tools/data/toy_video.py --out data/toy_video                     # 2 classes, single-label
    python tools/data/toy_video.py --out data/toy_video_ml --task motion-multilabel   # 6 classes, multi-label

It writes JPEG frames and mp4 videos with mmaction2's file lists under ``--out`` and does nothing if a
dataset made with the same arguments is already there (``--force`` regenerates). See
:func:`mmx.action.datasets.generate_toy_video`.
"""
import argparse
import time

from mmengine.utils import ProgressBar

from mmx.action.datasets import TOY_VIDEO_TASKS, generate_toy_video


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Generate a toy video dataset (direction of motion).')
    parser.add_argument('--out', default='data/toy_video', help='output folder (default: data/toy_video)')
    parser.add_argument('--task', choices=TOY_VIDEO_TASKS, default='motion',
                        help='motion: 2 classes, one label per clip; motion-multilabel: 6 classes, 1-3 labels')
    parser.add_argument('--seed', type=int, default=0, help='random seed (default: 0)')
    parser.add_argument('--num-train', type=int, default=400, help='training clips (default: 400)')
    parser.add_argument('--num-val', type=int, default=200, help='validation clips (default: 200)')
    parser.add_argument('--num-frames', type=int, default=16, help='frames per clip (default: 16)')
    parser.add_argument('--frame-size', type=int, default=64, help='frame width and height (default: 64)')
    parser.add_argument('--formats', nargs='+', choices=('rawframes', 'videos'), default=['rawframes', 'videos'],
                        help='JPEG frames and/or mp4 videos (default: both)')
    parser.add_argument('--force', action='store_true', help='regenerate even if the dataset is present')
    parser.add_argument('--no-progress', action='store_true', help='do not show a progress bar')
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    start = time.perf_counter()
    bar = None if args.no_progress else ProgressBar(args.num_train + args.num_val)
    result = generate_toy_video(
        args.out, task=args.task, seed=args.seed, num_train=args.num_train, num_val=args.num_val,
        num_frames=args.num_frames, frame_size=args.frame_size, formats=args.formats, force=args.force,
        progress=None if bar is None else lambda done, total: bar.update())
    if bar is not None:
        print()
    state = f'generated in {time.perf_counter() - start:.1f} s' if result['generated'] else 'already present, kept'
    print(f'Toy video data ({args.task}) in {result["out_dir"]}: {state}')
    for split in ('train', 'val'):
        summary = result['summary'][split]
        counts = ', '.join(f'{name} {n}' for name, n in summary['labels'].items())
        print(f'{split:<6}{summary["clips"]:>5} clips   {counts}')
    return result


if __name__ == '__main__':
    main()
