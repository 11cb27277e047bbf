"""A deterministic generator of a tiny long-tailed instance-segmentation dataset in LVIS v1 format.

The toy data of the EQL / EQLv2 experiments. Every category is a colour x shape pair (``red_circle``,
``blue_star``, ...), drawn as a filled polygon on a mildly textured background, and the annotation of
an instance is that same polygon, so masks are exact. The long tail is real: the training split
holds a fixed number of images per category, chosen so that LVIS's frequency groups (computed from the
training images, as LVIS does: rare 1-10 images, common 11-100, frequent > 100) each hold several
categories at the default size. Every rare category shares its colour with one frequent category and
its shape with another, so the negative gradients that frequent classes send to it carry the signal
that suppresses it, which is what the Equalization Loss removes.

The files mirror LVIS v1 as mmdet's ``LVISV1Dataset`` and ``LVISMetric`` read them::

    out_dir/annotations/lvis_v1_train.json
    out_dir/annotations/lvis_v1_val.json
    out_dir/train2017/000000000001.jpg ...
    out_dir/val2017/000000000601.jpg ...
    out_dir/toy_lvis_manifest.json        (written last: arguments, generator version, summary)

LVIS's federated labels are kept: each image lists some verified-absent categories
(``neg_category_ids``), so that false positives on them cost AP, and some images contain one extra,
unannotated instance of a present category and list that category in ``not_exhaustive_category_ids``.
"""
import json
import os
import os.path as osp
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmengine.logging import print_log

__all__ = ['TOY_LVIS_CLASSES', 'GENERATOR_VERSION', 'generate_toy_lvis']

#: Bumped whenever the same arguments would give different files, so that cached datasets regenerate.
GENERATOR_VERSION = 1
MANIFEST_NAME = 'toy_lvis_manifest.json'

# LVIS's frequency groups, by the number of training images that hold the category.
RARE_MAX_IMAGES = 10
COMMON_MAX_IMAGES = 100

# The reference training size: at this size (and above) the category table's image counts are exact,
# so the frequency groups are exactly the designed ones.
_REFERENCE_NUM_TRAIN = 600

# Colours in RGB: six hues that stay apart after the per-instance jitter and on a grey background.
_COLOURS: Dict[str, Tuple[int, int, int]] = {
    'blue': (40, 90, 225),
    'cyan': (40, 205, 215),
    'green': (45, 175, 60),
    'magenta': (205, 55, 205),
    'red': (225, 45, 40),
    'yellow': (235, 215, 45),
}

# (colour, shape, training images at the reference size). Frequent: each colour and each shape exactly
# once. Rare: a colour of one frequent category on the shape of another. Common: the rest of a ladder
# from 90 down to 13 images.
_DESIGN: Tuple[Tuple[str, str, int], ...] = (
    # frequent (> 100 images)
    ('red', 'circle', 300),
    ('blue', 'square', 250),
    ('green', 'triangle', 210),
    ('yellow', 'star', 180),
    ('cyan', 'cross', 150),
    ('magenta', 'diamond', 130),
    # common (11-100 images)
    ('red', 'square', 90),
    ('blue', 'circle', 75),
    ('green', 'star', 62),
    ('yellow', 'triangle', 50),
    ('cyan', 'diamond', 40),
    ('magenta', 'cross', 32),
    ('red', 'triangle', 25),
    ('blue', 'star', 20),
    ('green', 'cross', 16),
    ('yellow', 'diamond', 13),
    # rare (1-10 images)
    ('red', 'star', 9),
    ('blue', 'triangle', 8),
    ('green', 'circle', 7),
    ('yellow', 'square', 6),
    ('cyan', 'circle', 5),
    ('magenta', 'square', 4),
    ('cyan', 'triangle', 3),
    ('magenta', 'star', 2),
)

# Category ids are assigned in alphabetical order of the names, as LVIS does (by synset), so that the
# label index carries no hint of the frequency.
_CATEGORIES: Tuple[Tuple[str, str, str, int], ...] = tuple(
    sorted((f'{colour}_{shape}', colour, shape, images) for colour, shape, images in _DESIGN))

#: The class names in category-id order (id = index + 1), i.e. in mmdet's label order.
TOY_LVIS_CLASSES: Tuple[str, ...] = tuple(name for name, _, _, _ in _CATEGORIES)

_SHAPES = ('circle', 'square', 'triangle', 'star', 'cross', 'diamond')

_MAX_OBJECTS = 6  # instances drawn in one image, the unannotated one included
_MAX_ROTATION_DEG = 12.0  # small, so that a square never looks like a diamond
_SECOND_INSTANCE_PROB = 0.2  # chance that a category placed in an image has two instances there
_MAX_FILL = 0.8  # at most this share of all object slots may be asked for by the quotas
_JPEG_QUALITY = 95
_ANN_FILES = {'train': 'annotations/lvis_v1_train.json', 'val': 'annotations/lvis_v1_val.json'}
_IMG_DIRS = {'train': 'train2017', 'val': 'val2017'}
_DATE_CAPTURED = '2013-11-14 16:28:13'
_LICENSES = [dict(id=1, name='CC0 1.0 Universal', url='https://creativecommons.org/publicdomain/zero/1.0/')]


def generate_toy_lvis(out_dir: str,
                      seed: int = 0,
                      num_train: int = 600,
                      num_val: int = 150,
                      image_size: int = 128,
                      min_val_images: int = 4,
                      not_exhaustive_ratio: float = 0.1,
                      force: bool = False,
                      progress: Optional[Callable[[int, int], None]] = None) -> dict:
    """Generate the toy LVIS v1 dataset into ``out_dir``, unless it is already there.

    The defaults (600 training and 150 validation images of 128 x 128 pixels) take a few seconds and are
    the smallest size at which the category table's image counts hold exactly: 6 frequent, 10 common and
    8 rare categories, with every category in at least ``min_val_images`` validation images. Training
    sets larger than 600 images keep the rare and common counts and give the extra images to the
    frequent categories; smaller ones scale every count down, so categories may move to a lower group
    (the ``frequency`` fields always follow LVIS's definition on the actual training images).

    If ``out_dir`` holds a complete dataset made by this generator version with the same arguments
    (its manifest matches and every file is present), nothing is written. Otherwise the manifest is
    removed first and written again last, so an interrupted run is regenerated on the next call.

    Args:
        out_dir (str | os.PathLike): Output folder (created if missing).
        seed (int): Seed of ``numpy.random.default_rng``. The same seed and arguments give
            byte-identical files. Defaults to 0.
        num_train (int): Number of training images. Defaults to 600.
        num_val (int): Number of validation images; must hold every category ``min_val_images``
            times. Defaults to 150.
        image_size (int): Width and height of the images in pixels (at least 32). Objects are 8% to 38%
            of it (10 to 48 pixels at 128). Defaults to 128.
        min_val_images (int): Fewest validation images per category, so that APr, APc and APf are
            all defined. Defaults to 4.
        not_exhaustive_ratio (float): Share of images that get an extra, unannotated instance of a
            present category, listed in ``not_exhaustive_category_ids``. Defaults to 0.1.
        force (bool): Regenerate even if a matching dataset is present. Defaults to False.
        progress (callable, optional): Called as ``progress(done, total)`` after each image written.

    Returns:
        dict: ``out_dir``, ``train_ann_file``, ``val_ann_file``, ``train_img_dir``, ``val_img_dir``,
        ``manifest`` (paths), ``generated`` (False when the cached dataset was kept) and ``summary``
        (per split: ``images``, ``instances`` and ``categories``, the number of categories per
        frequency group ``'r'``, ``'c'``, ``'f'`` present in the split).

    Raises:
        ValueError: If an argument is out of range, if ``num_train`` or ``num_val`` is too small to
            hold every category, or if ``out_dir`` cannot be written.
    """
    if not isinstance(out_dir, (str, os.PathLike)):
        raise ValueError(f'out_dir must be a path, got {out_dir!r}')
    out_dir = os.fspath(out_dir)
    args = _check_args(seed=seed, num_train=num_train, num_val=num_val, image_size=image_size,
                       min_val_images=min_val_images, not_exhaustive_ratio=not_exhaustive_ratio)
    train_quotas = _train_quotas(num_train)
    val_quotas = _val_quotas(num_val, min_val_images)
    _check_capacity('num_train', num_train, train_quotas, _train_quotas, 'each category needs an image')
    _check_capacity('num_val', num_val, val_quotas, lambda n: _val_quotas(n, min_val_images),
                    f'each category needs min_val_images={min_val_images} images')
    paths = _paths(out_dir)
    _make_writable_dir(out_dir)

    old_manifest = _read_manifest(paths['manifest'])
    if not force and old_manifest is not None and _is_complete(out_dir, old_manifest, args):
        print_log(f'Toy LVIS found complete in {out_dir}, not regenerating.', logger='current')
        return dict(paths, generated=False, summary=old_manifest['summary'])

    print_log(f'Generating toy LVIS in {out_dir} (seed={seed}).', logger='current')
    if osp.exists(paths['manifest']):
        os.remove(paths['manifest'])  # from now on the folder counts as incomplete until we finish
    rng_train, rng_val = np.random.default_rng(seed).spawn(2)
    total = num_train + num_val
    done = [0]

    def on_image() -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total)

    train_images, train_anns = _make_split(out_dir, 'train', train_quotas, 1, 1, args, rng_train, on_image)
    categories = _category_entries(train_anns)
    val_images, val_anns = _make_split(out_dir, 'val', val_quotas, num_train + 1, len(train_anns) + 1, args,
                                       rng_val, on_image)
    for split, images, anns in (('train', train_images, train_anns), ('val', val_images, val_anns)):
        _write_json(osp.join(out_dir, _ANN_FILES[split]), _lvis_json(split, images, anns, categories))

    if old_manifest is not None:
        _remove_stale_images(out_dir, old_manifest, args)
    summary = dict(train=_split_summary(train_images, train_anns, categories),
                   val=_split_summary(val_images, val_anns, categories))
    manifest = dict(generator='mmx.det.datasets.toy_lvis', version=GENERATOR_VERSION, arguments=args,
                    summary=summary)
    _write_json(paths['manifest'], manifest, indent=2)
    return dict(paths, generated=True, summary=summary)


def _check_args(**args) -> dict:
    """Validate the arguments; return them as the manifest records them."""
    for name in ('num_train', 'num_val', 'image_size', 'min_val_images'):
        value = args[name]
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
            raise ValueError(f'{name} must be a positive integer, got {value!r}')
        args[name] = int(value)
    seed = args['seed']
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f'seed must be a non-negative integer, got {seed!r}')
    args['seed'] = int(seed)
    if args['image_size'] < 32:
        raise ValueError(f'image_size must be at least 32 pixels, got {args["image_size"]}')
    ratio = args['not_exhaustive_ratio']
    if not isinstance(ratio, (int, float)) or isinstance(ratio, bool) or not 0.0 <= ratio <= 1.0:
        raise ValueError(f'not_exhaustive_ratio must be a number in [0, 1], got {ratio!r}')
    args['not_exhaustive_ratio'] = float(ratio)
    return args


def _train_quotas(num_train: int) -> List[int]:
    """Training images per category (category-id order): exact at the reference size, see the docstring."""
    scale = num_train / _REFERENCE_NUM_TRAIN
    quotas = []
    for _, _, _, images in _CATEGORIES:
        tail = images <= COMMON_MAX_IMAGES
        quotas.append(max(1, round(images * (min(scale, 1.0) if tail else scale))))
    return quotas


def _val_quotas(num_val: int, min_val_images: int) -> List[int]:
    """Validation images per category: the training distribution, with a floor of ``min_val_images``."""
    scale = num_val / _REFERENCE_NUM_TRAIN
    return [max(min_val_images, round(images * scale)) for _, _, _, images in _CATEGORIES]


def _check_capacity(name: str, num_images: int, quotas: Sequence[int],
                    quotas_for: Callable[[int], Sequence[int]], need: str) -> None:
    """Raise ValueError if ``num_images`` images cannot hold the category quotas.

    One slot per image stays free for a possible unannotated instance, and the quotas may ask for at
    most ``_MAX_FILL`` of the rest, which leaves the random layout room to succeed.
    """

    def fits(n: int, q: Sequence[int]) -> bool:
        return max(q) <= n and sum(q) <= _MAX_FILL * n * (_MAX_OBJECTS - 1)

    if fits(num_images, quotas):
        return
    needed = num_images + 1
    while not fits(needed, quotas_for(needed)):
        needed += 1
    raise ValueError(
        f'{name}={num_images} is too small to hold every one of the {len(quotas)} categories ({need}; '
        f'{sum(quotas)} category-image pairs, at most {_MAX_OBJECTS} objects per image); '
        f'use {name} >= {needed}')


def _paths(out_dir: str) -> dict:
    return dict(out_dir=out_dir,
                train_ann_file=osp.join(out_dir, _ANN_FILES['train']),
                val_ann_file=osp.join(out_dir, _ANN_FILES['val']),
                train_img_dir=osp.join(out_dir, _IMG_DIRS['train']),
                val_img_dir=osp.join(out_dir, _IMG_DIRS['val']),
                manifest=osp.join(out_dir, MANIFEST_NAME))


def _make_writable_dir(out_dir: str) -> None:
    try:
        for sub in ('annotations', *_IMG_DIRS.values()):
            os.makedirs(osp.join(out_dir, sub), exist_ok=True)
        probe = osp.join(out_dir, '.toy_lvis_write_test')
        with open(probe, 'w'):
            pass
        os.remove(probe)
    except OSError as e:
        raise ValueError(f'out_dir {out_dir!r} cannot be written: {e}') from e


def _image_files(num_train: int, num_val: int) -> List[str]:
    """Relative paths of every image, in the order of the image ids."""
    return ([f'{_IMG_DIRS["train"]}/{i:012d}.jpg' for i in range(1, num_train + 1)] +
            [f'{_IMG_DIRS["val"]}/{i:012d}.jpg' for i in range(num_train + 1, num_train + num_val + 1)])


def _read_manifest(path: str) -> Optional[dict]:
    try:
        with open(path) as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or not isinstance(manifest.get('arguments'), dict):
        return None
    return manifest


def _is_complete(out_dir: str, manifest: dict, args: dict) -> bool:
    if manifest.get('version') != GENERATOR_VERSION or manifest['arguments'] != args:
        return False
    files = list(_ANN_FILES.values()) + _image_files(args['num_train'], args['num_val'])
    return all(osp.isfile(osp.join(out_dir, f)) for f in files)


def _remove_stale_images(out_dir: str, old_manifest: dict, args: dict) -> None:
    """Delete the images of an earlier generation (known from its manifest) that the new one lacks."""
    try:
        old_args = old_manifest['arguments']
        old = _image_files(int(old_args['num_train']), int(old_args['num_val']))
    except (KeyError, TypeError, ValueError):
        return
    for f in set(old) - set(_image_files(args['num_train'], args['num_val'])):
        path = osp.join(out_dir, f)
        if osp.isfile(path):
            os.remove(path)


def _write_json(path: str, data: dict, indent: Optional[int] = None) -> None:
    """Write JSON atomically (temporary file, then rename); key order is the insertion order."""
    separators = (',', ': ') if indent else (',', ':')
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(json.dumps(data, indent=indent, separators=separators))
        f.write('\n')
    os.replace(tmp, path)


def _frequency_group(image_count: int) -> str:
    """LVIS's frequency group of a category from its number of training images."""
    if image_count <= RARE_MAX_IMAGES:
        return 'r'
    return 'c' if image_count <= COMMON_MAX_IMAGES else 'f'


# ---------------------------------------------------------------------------------------------------
# Layout: which categories go into which image
# ---------------------------------------------------------------------------------------------------
def _assign_categories(quotas: Sequence[int], num_images: int, capacity: np.ndarray,
                       rng: np.random.Generator) -> List[Dict[int, int]]:
    """Put category ``c`` into exactly ``quotas[c]`` distinct images, filling empty images last.

    Categories are placed largest quota first; an image is drawn with probability proportional to its
    free slots, which spreads the objects evenly. An image left empty gets one instance of a frequent
    category (quota > 100; any category if none is), drawn by quota, as every LVIS image holds at least
    one annotation; this never moves a category to another frequency group.

    Args:
        quotas: Images per category index.
        num_images: Number of images.
        capacity: Free object slots per image (modified in place).
        rng: Random generator.

    Returns:
        list[dict]: Per image, category index -> number of annotated instances.
    """
    layout: List[Dict[int, int]] = [dict() for _ in range(num_images)]
    for c in sorted(range(len(quotas)), key=lambda c: (-quotas[c], c)):
        free = np.flatnonzero(capacity > 0)
        if len(free) < quotas[c]:
            raise ValueError(f'{num_images} images cannot hold the category quotas; use more images')
        weights = capacity[free] / capacity[free].sum()
        for i in rng.choice(free, size=quotas[c], replace=False, p=weights):
            count = 2 if capacity[i] >= 2 and rng.random() < _SECOND_INSTANCE_PROB else 1
            layout[i][c] = count
            capacity[i] -= count
    weights = np.asarray(quotas, dtype=np.float64)
    if (weights > COMMON_MAX_IMAGES).any():
        weights[weights <= COMMON_MAX_IMAGES] = 0
    probs = weights / weights.sum()
    for i in range(num_images):
        if not layout[i]:
            layout[i][int(rng.choice(len(quotas), p=probs))] = 1
            capacity[i] -= 1
    return layout


# ---------------------------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------------------------
def _unit_shape(shape: str) -> np.ndarray:
    """Vertices (N, 2) of a shape centred at the origin, inside the unit disc, y pointing down."""
    if shape == 'circle':
        angles = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        return np.stack([np.cos(angles), np.sin(angles)], 1)
    if shape == 'square':
        return np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float64) * 0.75
    if shape == 'diamond':
        return np.array([[0, -1], [1, 0], [0, 1], [-1, 0]], dtype=np.float64)
    if shape == 'triangle':
        angles = np.deg2rad([-90, 30, 150])
        return np.stack([np.cos(angles), np.sin(angles) + 0.25], 1)  # centred on its bounding box
    if shape == 'star':
        angles = np.deg2rad(np.arange(10) * 36 - 90)
        radii = np.where(np.arange(10) % 2 == 0, 1.0, 0.45)
        return np.stack([radii * np.cos(angles), radii * np.sin(angles) + 0.1], 1)
    if shape == 'cross':
        a, b = 0.3, 0.9  # half arm width, half length
        return np.array([[-a, -b], [a, -b], [a, -a], [b, -a], [b, a], [a, a], [a, b], [-a, b], [-a, a],
                         [-b, a], [-b, -a], [-a, -a]], dtype=np.float64)
    raise ValueError(f'unknown shape {shape!r}')


_UNIT_SHAPES = {shape: _unit_shape(shape) for shape in _SHAPES}


def _shape_polygon(shape: str, cx: float, cy: float, size: float, angle_deg: float) -> np.ndarray:
    """The shape's polygon in image coordinates, rounded to the 2 decimals the JSON stores."""
    t = np.deg2rad(angle_deg)
    rot = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pts = _UNIT_SHAPES[shape] @ rot.T * (size / 2) + np.array([cx, cy])
    return np.round(pts, 2)


def _raster(poly: np.ndarray, image_size: int) -> np.ndarray:
    """Binary mask of a polygon given in COCO coordinates (pixel ``i`` spans ``[i, i + 1]``)."""
    mask = np.zeros((image_size, image_size), np.uint8)
    cv2.fillPoly(mask, [_cv2_points(poly)], 1, lineType=cv2.LINE_8, shift=4)
    return mask


def _cv2_points(poly: np.ndarray) -> np.ndarray:
    # cv2 puts pixel centres on integers, COCO on half-integers; shift=4 keeps 1/16 pixel precision.
    return np.round((poly - 0.5) * 16).astype(np.int32)


def _background(image_size: int, rng: np.random.Generator) -> np.ndarray:
    """A muted, slightly tinted grey with a gradient and a few faint lines (float RGB image)."""
    base = (rng.uniform(95, 155) + rng.uniform(-12, 12, size=3)).astype(np.float32)
    ramp = np.linspace(-0.5, 0.5, image_size, dtype=np.float32)
    gx, gy = rng.uniform(-25, 25, size=2).astype(np.float32)
    img = base + (gx * ramp[None, :] + gy * ramp[:, None])[:, :, None]
    for _ in range(int(rng.integers(0, 5))):
        p1 = tuple(int(v) for v in rng.integers(0, image_size, size=2))
        p2 = tuple(int(v) for v in rng.integers(0, image_size, size=2))
        shade = float(rng.uniform(-22, 22))
        cv2.line(img, p1, p2, tuple(float(v) + shade for v in base), thickness=int(rng.integers(1, 3)))
    return img


def _place(shape: str, size: float, occupied: np.ndarray, image_size: int, min_size: float,
           rng: np.random.Generator) -> Tuple[np.ndarray, np.ndarray]:
    """Find a pose where the shape lies inside the image and touches no earlier object.

    Objects never overlap (their boxes may), so each is fully visible and its polygon is exactly its
    visible mask. The size shrinks when the image is crowded.

    Returns:
        tuple: The polygon (N, 2) and its binary mask.
    """
    while True:
        for _ in range(25):
            angle = rng.uniform(-_MAX_ROTATION_DEG, _MAX_ROTATION_DEG)
            poly = _shape_polygon(shape, 0.0, 0.0, size, angle)
            lo, hi = poly.min(0), poly.max(0)
            cx = rng.uniform(1 - lo[0], image_size - 1 - hi[0])
            cy = rng.uniform(1 - lo[1], image_size - 1 - hi[1])
            poly = np.round(poly + np.array([cx, cy]), 2)
            mask = _raster(poly, image_size)
            if not (mask & occupied).any():
                return poly, mask
        if size <= min_size:
            raise RuntimeError(f'cannot place a {shape} of {size:.1f} px without overlap in a '
                               f'{image_size} px image')
        size = max(min_size, size * 0.85)


def _draw_image(objects: Sequence[Tuple[int, bool]], image_size: int, noise: np.ndarray,
                rng: np.random.Generator) -> Tuple[np.ndarray, List[np.ndarray]]:
    """Draw the objects (category index, annotated) on a background.

    Args:
        objects: (category index, annotated) per object.
        image_size: Width and height.
        noise: A pixel-noise field at least twice the image size; a random crop of it is added
            (one field per split is much cheaper than fresh noise per image).
        rng: Random generator.

    Returns:
        tuple: The BGR uint8 image and the polygons of the objects in the given order.
    """
    min_size, max_size = 0.08 * image_size, 0.375 * image_size
    sizes = rng.uniform(min_size, max_size, size=len(objects))
    img = _background(image_size, rng)
    occupied = np.zeros((image_size, image_size), np.uint8)
    polys: List[Optional[np.ndarray]] = [None] * len(objects)
    for k in np.argsort(-sizes, kind='stable'):  # largest first: easier to pack
        _, colour, shape, _ = _CATEGORIES[objects[k][0]]
        poly, mask = _place(shape, float(sizes[k]), occupied, image_size, min_size, rng)
        occupied |= cv2.dilate(mask, np.ones((3, 3), np.uint8))  # keep a pixel of background between objects
        colour_rgb = np.clip(np.array(_COLOURS[colour]) + rng.uniform(-18, 18, size=3), 0, 255)
        # Anti-aliased coverage, blended inside the object's (padded) box only.
        x0, y0 = np.maximum(np.floor(poly.min(0)).astype(int) - 1, 0)
        x1, y1 = np.minimum(np.ceil(poly.max(0)).astype(int) + 1, image_size)
        layer = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(layer, [_cv2_points(poly - np.array([x0, y0]))], 255, lineType=cv2.LINE_AA, shift=4)
        alpha = (layer.astype(np.float32) / 255)[:, :, None]
        patch = img[y0:y1, x0:x1]
        img[y0:y1, x0:x1] = patch + (colour_rgb.astype(np.float32) - patch) * alpha
        polys[k] = poly
    x, y = rng.integers(0, noise.shape[0] - image_size + 1, size=2)
    img += noise[y:y + image_size, x:x + image_size]
    img = np.clip(np.round(img), 0, 255).astype(np.uint8)
    return cv2.cvtColor(img, cv2.COLOR_RGB2BGR), polys


# ---------------------------------------------------------------------------------------------------
# Splits and JSON
# ---------------------------------------------------------------------------------------------------
def _polygon_area(poly: np.ndarray) -> float:
    """Shoelace formula."""
    x, y = poly[:, 0], poly[:, 1]
    x_next, y_next = np.append(x[1:], x[0]), np.append(y[1:], y[0])
    return float(abs(np.dot(x, y_next) - np.dot(y, x_next)) / 2)


def _make_split(out_dir: str, split: str, quotas: Sequence[int], first_img_id: int, first_ann_id: int,
                args: dict, rng: np.random.Generator, on_image: Callable[[], None]) -> Tuple[list, list]:
    """Lay out, draw and write the images of one split; return its image and annotation entries."""
    num_images = args[f'num_{split}']
    image_size = args['image_size']
    num_cats = len(_CATEGORIES)
    not_exhaustive = rng.random(num_images) < args['not_exhaustive_ratio']
    capacity = np.full(num_images, _MAX_OBJECTS, dtype=np.int64) - not_exhaustive
    layout = _assign_categories(quotas, num_images, capacity, rng)
    noise = 6 * rng.standard_normal((2 * image_size, 2 * image_size, 3), dtype=np.float32)

    images, anns = [], []
    ann_id = first_ann_id
    for i in range(num_images):
        img_id = first_img_id + i
        present = sorted(layout[i])
        objects = [(c, True) for c in present for _ in range(layout[i][c])]
        missing = []
        if not_exhaustive[i]:
            c = int(rng.choice(present))
            objects.append((c, False))
            missing = [c + 1]
        absent = [c for c in range(num_cats) if c not in layout[i]]
        num_neg = min(len(absent), int(rng.integers(4, 9)))
        negatives = sorted(int(c) + 1 for c in rng.choice(absent, size=num_neg, replace=False))

        img, polys = _draw_image(objects, image_size, noise, rng)
        file_name = f'{img_id:012d}.jpg'
        ok, buf = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, _JPEG_QUALITY])
        if not ok:
            raise RuntimeError(f'cv2 could not encode {file_name}')
        with open(osp.join(out_dir, _IMG_DIRS[split], file_name), 'wb') as f:
            f.write(buf.tobytes())
        on_image()

        images.append(dict(
            id=img_id,
            width=image_size,
            height=image_size,
            coco_url=f'http://images.cocodataset.org/{_IMG_DIRS[split]}/{file_name}',
            flickr_url='',  # synthetic images have no Flickr source
            date_captured=_DATE_CAPTURED,
            license=1,
            neg_category_ids=negatives,
            not_exhaustive_category_ids=missing))
        for (c, annotated), poly in zip(objects, polys):
            if not annotated:
                continue
            (x0, y0), (x1, y1) = poly.min(0), poly.max(0)
            anns.append(dict(
                id=ann_id,
                image_id=img_id,
                category_id=c + 1,
                segmentation=[[float(v) for v in poly.reshape(-1)]],
                area=round(_polygon_area(poly), 2),
                bbox=[float(x0), float(y0), round(float(x1 - x0), 2), round(float(y1 - y0), 2)]))
            ann_id += 1
    return images, anns


def _category_entries(train_anns: Sequence[dict]) -> List[dict]:
    """LVIS category entries, with ``frequency``, ``image_count`` and ``instance_count`` from training."""
    images: Dict[int, set] = {cat_id: set() for cat_id in range(1, len(_CATEGORIES) + 1)}
    instances = dict.fromkeys(images, 0)
    for ann in train_anns:
        images[ann['category_id']].add(ann['image_id'])
        instances[ann['category_id']] += 1
    entries = []
    for index, (name, colour, shape, _) in enumerate(_CATEGORIES):
        cat_id = index + 1
        entries.append({
            'id': cat_id,
            'name': name,
            'synset': f'{name}.n.01',
            'synonyms': [name, f'{colour} {shape}'],
            'def': f'a filled {colour} {shape} (synthetic toy category)',
            'frequency': _frequency_group(len(images[cat_id])),
            'image_count': len(images[cat_id]),
            'instance_count': instances[cat_id],
        })
    return entries


def _lvis_json(split: str, images: list, anns: list, categories: list) -> dict:
    return dict(
        info=dict(description=f'mmx toy LVIS v1 ({split}): synthetic colour x shape instances',
                  url='', version=f'{GENERATOR_VERSION}', year=2026, contributor='mmx',
                  date_created='2026-01-01'),
        licenses=_LICENSES,
        images=images,
        annotations=anns,
        categories=categories)


def _split_summary(images: list, anns: list, categories: list) -> dict:
    present = {ann['category_id'] for ann in anns}
    groups = {g: sum(1 for cat in categories if cat['frequency'] == g and cat['id'] in present)
              for g in ('r', 'c', 'f')}
    return dict(images=len(images), instances=len(anns), categories=groups)
