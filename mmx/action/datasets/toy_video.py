"""A deterministic generator of tiny video datasets whose labels need temporal reasoning.

The toy data of the TIN / TSM / TSN / TRN experiments. Each clip shows objects (discs, squares, diamonds in
several colours) moving horizontally across a textured background, each along a straight path at constant
speed. The label is the **direction of motion**, and the clips of the two directions are each other's
time reversal: a clip of an object moving right from a to b, played backwards, is a clip of the same
object moving left from b to a, and paths, speeds, shapes and positions are drawn from the same
distribution for both. So the *set* of frames carries no information about the label, and a model that
pools frame features without regard to their order (TSN) stays at chance, while a model that exchanges
information between neighbouring frames (TSM, TIN, TRN, 3D convolutions) can learn it.

Two variants:

* ``'motion'`` (single-label, 2 classes: ``moving_left``, ``moving_right``): one object per clip, plus a
  static distractor.
* ``'motion-multilabel'`` (multi-label, the Multi-Moments-in-Time path; 2 x 3 classes
  ``{red,green,blue}_moving_{left,right}``): one to three objects of distinct colours per clip, each in
  its own horizontal lane and with its own direction; a clip's labels are the (colour, direction) pairs
  it shows. Colours are visible in every frame, directions are not.

The files are those mmaction2's ``RawframeDataset`` and ``VideoDataset`` read::

    out_dir/rawframes/{train,val}/clip_00000/img_00001.jpg ...   (filename_tmpl 'img_{:05}.jpg', start 1)
    out_dir/videos/{train,val}/clip_00000.mp4                     (mp4v, OpenCV; decord and OpenCV read it)
    out_dir/{train,val}_rawframes.txt     lines 'train/clip_00000 16 1' (multi-label: '... 16 0 3')
    out_dir/{train,val}_videos.txt        lines 'train/clip_00000.mp4 1'
    out_dir/classes.txt                   one class name per line, in label order
    out_dir/toy_video_manifest.json       written last: arguments, generator version, summary
"""
import json
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

__all__ = ['TOY_VIDEO_TASKS', 'GENERATOR_VERSION', 'generate_toy_video', 'toy_video_classes']

#: Bumped whenever the same arguments would give different files, so that cached datasets regenerate.
GENERATOR_VERSION = 1
MANIFEST_NAME = 'toy_video_manifest.json'
TOY_VIDEO_TASKS = ('motion', 'motion-multilabel')
FORMATS = ('rawframes', 'videos')
SPLITS = ('train', 'val')

# RGB. The multi-label task names its classes after the first three.
_COLOURS: Dict[str, Tuple[int, int, int]] = {
    'red': (225, 50, 45), 'green': (40, 190, 70), 'blue': (45, 90, 230),
    'yellow': (230, 210, 40), 'magenta': (210, 60, 200)}
_LABEL_COLOURS = ('red', 'green', 'blue')
_DIRECTIONS = ('left', 'right')
_SHAPES = ('disc', 'square', 'diamond')


def toy_video_classes(task: str) -> List[str]:
    """The class names of a task, in label order."""
    if task == 'motion':
        return [f'moving_{d}' for d in _DIRECTIONS]
    if task == 'motion-multilabel':
        return [f'{c}_moving_{d}' for c in _LABEL_COLOURS for d in _DIRECTIONS]
    raise ValueError(f'unknown toy video task {task!r}; choose from {TOY_VIDEO_TASKS}')


def _draw(frame: np.ndarray, shape: str, centre: Tuple[float, float], radius: float,
          colour: Tuple[int, int, int]) -> None:
    """Draw a filled, anti-aliased shape in place (sub-pixel centre, so slow motion is still visible)."""
    shift = 4  # cv2's fixed-point fraction bits
    cx, cy = (int(round(v * (1 << shift))) for v in centre)
    r = int(round(radius * (1 << shift)))
    if shape == 'disc':
        cv2.circle(frame, (cx, cy), r, colour, -1, cv2.LINE_AA, shift)
        return
    if shape == 'square':
        corners = [(cx - r, cy - r), (cx + r, cy - r), (cx + r, cy + r), (cx - r, cy + r)]
    else:
        corners = [(cx, cy - r), (cx + r, cy), (cx, cy + r), (cx - r, cy)]
    cv2.fillPoly(frame, [np.array(corners, np.int32)], colour, cv2.LINE_AA, shift)


def _background(rng: np.random.Generator, size: int) -> np.ndarray:
    """A smooth two-colour gradient with fixed fine texture (the same in every frame of a clip)."""
    a, b = rng.uniform(60, 170, 3), rng.uniform(60, 170, 3)
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    ramp = (np.cos(angle) * xx + np.sin(angle) * yy)
    ramp = (ramp - ramp.min()) / max(np.ptp(ramp), 1e-6)
    image = a + (b - a) * ramp[..., None] + rng.normal(0, 6, (size, size, 1))
    return image


def _objects(rng: np.random.Generator, task: str, size: int, direction: int) -> Tuple[List[dict], List[int]]:
    """The moving objects of one clip (colour, shape, radius, lane, start and end x) and its labels.
    ``direction`` (0 left, 1 right) is that of the single-label task's object."""
    if task == 'motion':
        colours = [str(rng.choice(list(_COLOURS)))]
    else:
        count = int(rng.integers(1, len(_LABEL_COLOURS) + 1))
        colours = [str(c) for c in rng.choice(_LABEL_COLOURS, count, replace=False)]
    lanes = rng.permutation(len(_LABEL_COLOURS))  # distinct rows, so objects never overlap
    lane_height = size / len(_LABEL_COLOURS)
    objects, labels = [], []
    for k, colour in enumerate(colours):
        radius = rng.uniform(0.07, 0.11) * size
        if task != 'motion':
            direction = int(rng.integers(2))  # 0 left, 1 right
        # a path of 40-80% of the width, anywhere it fits; moving right goes a -> b, left b -> a
        length = rng.uniform(0.4, 0.8) * (size - 2 * radius)
        a = rng.uniform(radius, size - radius - length)
        xs = (a, a + length) if direction == 1 else (a + length, a)
        y = (lanes[k] + 0.5) * lane_height + rng.uniform(-0.15, 0.15) * lane_height
        objects.append(dict(colour=colour, shape=str(rng.choice(_SHAPES)), radius=radius, y=y, xs=xs))
        labels.append(direction if task == 'motion' else 2 * _LABEL_COLOURS.index(colour) + direction)
    if task == 'motion':  # a static distractor in another lane
        objects.append(dict(colour=str(rng.choice(list(_COLOURS))), shape=str(rng.choice(_SHAPES)),
                            radius=rng.uniform(0.05, 0.08) * size, y=(lanes[1] + 0.5) * lane_height,
                            xs=(rng.uniform(0.1, 0.9) * size,) * 2))
    return objects, sorted(labels)


def _render_clip(rng: np.random.Generator, task: str, size: int, num_frames: int, direction: int
                 ) -> Tuple[List[np.ndarray], List[int]]:
    """The frames (BGR uint8) and labels of one clip."""
    background = _background(rng, size)
    objects, labels = _objects(rng, task, size, direction)
    frames = []
    for t in range(num_frames):
        frame = background.copy()
        for obj in objects:
            x = obj['xs'][0] + (obj['xs'][1] - obj['xs'][0]) * t / max(num_frames - 1, 1)
            _draw(frame, obj['shape'], (x, obj['y']), obj['radius'], _COLOURS[obj['colour']])
        frame += rng.normal(0, 3, frame.shape)  # sensor noise, new in every frame
        frames.append(cv2.cvtColor(np.clip(frame, 0, 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
    return frames, labels


def _write_clip(out_dir: str, split: str, name: str, frames: Sequence[np.ndarray], formats: Sequence[str],
                fps: int) -> None:
    if 'rawframes' in formats:
        clip_dir = osp.join(out_dir, 'rawframes', split, name)
        os.makedirs(clip_dir, exist_ok=True)
        for t, frame in enumerate(frames):
            cv2.imwrite(osp.join(clip_dir, f'img_{t + 1:05d}.jpg'), frame, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if 'videos' in formats:
        path = osp.join(out_dir, 'videos', split, name + '.mp4')
        height, width = frames[0].shape[:2]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
        if not writer.isOpened():
            raise RuntimeError(f'OpenCV cannot write mp4v videos here ({path}); use formats=("rawframes",)')
        for frame in frames:
            writer.write(frame)
        writer.release()


def _list_files(out_dir: str) -> Dict[str, str]:
    return {f'{split}_{fmt}': osp.join(out_dir, f'{split}_{fmt}.txt') for split in SPLITS for fmt in FORMATS}


def _is_complete(out_dir: str, args: dict) -> bool:
    """A manifest with this version and these arguments, and the last clip of each split on disk."""
    try:
        with open(osp.join(out_dir, MANIFEST_NAME)) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or manifest.get('version') != GENERATOR_VERSION \
            or manifest.get('arguments') != args:
        return False
    last = {'train': args['num_train'] - 1, 'val': args['num_val'] - 1}
    for split, index in last.items():
        name = f'clip_{index:05d}'
        if 'rawframes' in args['formats'] and not osp.isfile(
                osp.join(out_dir, 'rawframes', split, name, f'img_{args["num_frames"]:05d}.jpg')):
            return False
        if 'videos' in args['formats'] and not osp.isfile(osp.join(out_dir, 'videos', split, name + '.mp4')):
            return False
    return all(osp.isfile(osp.join(out_dir, f'{s}_{fmt}.txt')) for s in SPLITS for fmt in args['formats'])


def generate_toy_video(out_dir: str,
                       task: str = 'motion',
                       seed: int = 0,
                       num_train: int = 400,
                       num_val: int = 200,
                       num_frames: int = 16,
                       frame_size: int = 64,
                       formats: Sequence[str] = FORMATS,
                       fps: int = 8,
                       force: bool = False,
                       progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Generate a toy video dataset into ``out_dir``, unless the same one is already there.

    Clip ``i`` of a split is drawn from its own random stream (seeded by ``seed``, the split and ``i``), so
    the same arguments give the same clips, and a larger ``num_train`` keeps the first clips. The manifest
    is removed before and written after the clips, so an interrupted run regenerates on the next call.
    In the single-label task, clip ``i`` moves left for even ``i`` and right for odd ``i`` (balanced
    classes); in the multi-label task every object's direction is a fair coin.

    Args:
        out_dir (str | os.PathLike): Output folder (created if missing).
        task (str): ``'motion'`` (2 classes, single-label) or ``'motion-multilabel'`` (6 classes, 1-3
            labels per clip). Default: ``'motion'``.
        seed (int): Random seed. Default: 0.
        num_train (int): Training clips. Default: 400.
        num_val (int): Validation clips. Default: 200.
        num_frames (int): Frames per clip (at least 2). Default: 16.
        frame_size (int): Width and height in pixels (at least 16). Default: 64.
        formats (Sequence[str]): ``'rawframes'`` (JPEG frames) and/or ``'videos'`` (mp4). Default: both.
        fps (int): Frame rate written into the videos. Default: 8.
        force (bool): Regenerate even if a matching dataset is present. Default: False.
        progress (callable, optional): Called as ``progress(done, total)`` after each clip.

    Returns:
        dict: ``out_dir``, ``classes`` (names), ``generated`` (False when the cached data was kept), the
        list files ``{train,val}_{rawframes,videos}`` (paths), ``rawframes_dir``, ``videos_dir`` and
        ``summary`` (per split: clips and label counts).

    Raises:
        ValueError: For an unknown task or format, an argument out of range, or an unwritable ``out_dir``.
    """
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ValueError(f'out_dir must be a path, got {out_dir!r}')
    out_dir = os.fspath(out_dir)
    classes = toy_video_classes(task)
    formats = tuple(sorted(set(formats)))
    if not formats or set(formats) - set(FORMATS):
        raise ValueError(f'formats must be a non-empty subset of {FORMATS}, got {formats}')
    for name, value, low in (('num_train', num_train, 1), ('num_val', num_val, 1), ('num_frames', num_frames, 2),
                             ('frame_size', frame_size, 16), ('fps', fps, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f'{name} must be an integer >= {low}, got {value!r}')
    args = dict(task=task, seed=int(seed), num_train=int(num_train), num_val=int(num_val),
                num_frames=int(num_frames), frame_size=int(frame_size), formats=list(formats), fps=int(fps))
    result = dict(out_dir=out_dir, classes=classes, rawframes_dir=osp.join(out_dir, 'rawframes'),
                  videos_dir=osp.join(out_dir, 'videos'), **_list_files(out_dir))
    manifest_path = osp.join(out_dir, MANIFEST_NAME)
    if not force and _is_complete(out_dir, args):
        with open(manifest_path) as f:
            summary = json.load(f)['summary']
        print_log(f'Toy video data found complete in {out_dir}, not regenerating.', logger='current')
        return dict(result, generated=False, summary=summary)

    try:
        os.makedirs(out_dir, exist_ok=True)
        if osp.exists(manifest_path):
            os.remove(manifest_path)
        for fmt in FORMATS:  # clips of an earlier generation must not linger
            shutil.rmtree(osp.join(out_dir, fmt), ignore_errors=True)
    except OSError as e:
        raise ValueError(f'out_dir {out_dir!r} cannot be written: {e}') from e
    print_log(f'Generating toy video data ({task}) in {out_dir} (seed={seed}).', logger='current')
    total, done = num_train + num_val, 0
    summary = {}
    for split_id, (split, count) in enumerate((('train', num_train), ('val', num_val))):
        for fmt in formats:
            os.makedirs(osp.join(out_dir, fmt, split), exist_ok=True)
        lines = {fmt: [] for fmt in formats}
        label_counts = [0] * len(classes)
        for i in range(count):
            rng = np.random.default_rng([int(seed), split_id, i])
            frames, labels = _render_clip(rng, task, frame_size, num_frames, direction=i % 2)
            name = f'clip_{i:05d}'
            _write_clip(out_dir, split, name, frames, formats, fps)
            label_text = ' '.join(str(label) for label in labels)
            if 'rawframes' in formats:
                lines['rawframes'].append(f'{split}/{name} {num_frames} {label_text}')
            if 'videos' in formats:
                lines['videos'].append(f'{split}/{name}.mp4 {label_text}')
            for label in labels:
                label_counts[label] += 1
            done += 1
            if progress is not None:
                progress(done, total)
        for fmt, fmt_lines in lines.items():
            with open(osp.join(out_dir, f'{split}_{fmt}.txt'), 'w') as f:
                f.write('\n'.join(fmt_lines) + '\n')
        summary[split] = dict(clips=count, labels=dict(zip(classes, label_counts)))
    with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    with open(manifest_path, 'w') as f:
        json.dump(dict(version=GENERATOR_VERSION, arguments=args, summary=summary), f, indent=1)
    return dict(result, generated=True, summary=summary)
