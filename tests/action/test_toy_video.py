"""The toy video generator: labels are the directions of motion seen in the pixels, files are what mmaction2's
RawframeDataset and VideoDataset read, generation is deterministic and cached, bad arguments are named."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmaction.registry import DATASETS
from mmengine.registry import DefaultScope

from mmx.action.datasets import generate_toy_video, toy_video_classes
from mmx.action.datasets.toy_video import _COLOURS

SMALL = dict(num_train=12, num_val=6, num_frames=16, frame_size=64)


@pytest.fixture(scope='module')
def motion(tmp_path_factory):
    return generate_toy_video(str(tmp_path_factory.mktemp('motion')), **SMALL)


@pytest.fixture(scope='module')
def multilabel(tmp_path_factory):
    return generate_toy_video(str(tmp_path_factory.mktemp('multilabel')), task='motion-multilabel', **SMALL)


def read_list(path):
    with open(path) as f:
        return [line.split() for line in f.read().splitlines() if line]


def frames_of(result, clip_dir, num_frames=16):
    """(T, H, W, 3) RGB float frames of one clip, read back from the JPEG files."""
    return np.stack([cv2.imread(osp.join(result['rawframes_dir'], clip_dir, f'img_{t:05d}.jpg'))[..., ::-1]
                     for t in range(1, num_frames + 1)]).astype(float)


def test_single_label_is_the_direction_of_the_moving_pixels(motion):
    """Where consecutive frames differ (the moving object; the distractor is static), the x coordinate
    grows over time exactly for the clips labelled moving_right."""
    assert toy_video_classes('motion') == ['moving_left', 'moving_right']
    for split in ('train', 'val'):
        lines = read_list(motion[f'{split}_rawframes'])
        assert len(lines) == SMALL[f'num_{split}']
        assert sorted(int(line[2]) for line in lines) == sorted([0, 1] * (len(lines) // 2))  # balanced
        for clip_dir, num_frames, label in lines:
            assert int(num_frames) == 16
            changed = np.abs(np.diff(frames_of(motion, clip_dir), axis=0)).sum(-1) > 30
            t, _, x = np.nonzero(changed)
            slope = np.polyfit(t, x, 1)[0]
            assert (slope > 0) == (label == '1'), (clip_dir, label, slope)


def test_multilabel_labels_are_the_colours_and_their_directions(multilabel):
    classes = toy_video_classes('motion-multilabel')
    assert len(classes) == 6 and classes[1] == 'red_moving_right'
    for clip_dir, _, *labels in read_list(multilabel['train_rawframes']):
        labels = {int(v) for v in labels}
        assert 1 <= len(labels) <= 3
        frames = frames_of(multilabel, clip_dir)[[0, -1]]
        for k, colour in enumerate(('red', 'green', 'blue')):
            masks = np.abs(frames - np.array(_COLOURS[colour])).sum(-1) < 60
            present = masks.sum((1, 2)).min() > 15
            assert present == bool(labels & {2 * k, 2 * k + 1}), (clip_dir, colour, labels)
            if present:
                first, last = (np.nonzero(m)[1].mean() for m in masks)
                assert 2 * k + int(last > first) in labels, (clip_dir, colour, labels)


def test_mmaction_datasets_read_both_formats(motion, multilabel):
    pipeline = [dict(type='SampleFrames', clip_len=1, frame_interval=1, num_clips=8, test_mode=True)]
    with DefaultScope.overwrite_default_scope('mmaction'):
        frames = DATASETS.build(dict(
            type='RawframeDataset', ann_file=motion['val_rawframes'], data_prefix=dict(img=motion['rawframes_dir']),
            pipeline=pipeline + [dict(type='RawFrameDecode')], test_mode=True))
        videos = DATASETS.build(dict(
            type='VideoDataset', ann_file=multilabel['val_videos'], data_prefix=dict(video=multilabel['videos_dir']),
            multi_class=True, num_classes=6,
            pipeline=[dict(type='DecordInit')] + pipeline + [dict(type='DecordDecode')], test_mode=True))
    assert len(frames) == len(videos) == SMALL['num_val']
    sample = frames[1]
    assert len(sample['imgs']) == 8 and sample['imgs'][0].shape == (64, 64, 3) and sample['label'] == 1
    sample = videos[0]
    assert len(sample['imgs']) == 8 and sample['imgs'][0].shape == (64, 64, 3)
    assert sample['label'].shape == (6,) and sample['label'].sum() >= 1
    # the mp4 shows what the JPEG frames show (up to two lossy codecs)
    jpeg = frames_of(multilabel, 'val/clip_00000')[sample['frame_inds']]
    assert np.abs(np.stack(sample['imgs']).astype(float) - jpeg).mean() < 8


def test_deterministic_and_cached(tmp_path, motion):
    again = generate_toy_video(str(tmp_path / 'again'), **SMALL)
    assert again['generated']
    for name in ('train_rawframes', 'val_videos'):
        assert open(again[name]).read() == open(motion[name]).read()
    clip = osp.join('train', 'clip_00003', 'img_00007.jpg')
    with open(osp.join(again['rawframes_dir'], clip), 'rb') as a, open(osp.join(motion['rawframes_dir'], clip), 'rb') as b:
        assert a.read() == b.read()
    assert not generate_toy_video(str(tmp_path / 'again'), **SMALL)['generated']
    # a missing clip, other arguments or force regenerate
    os.remove(osp.join(again['videos_dir'], 'val', f'clip_{SMALL["num_val"] - 1:05d}.mp4'))
    assert generate_toy_video(str(tmp_path / 'again'), **SMALL)['generated']
    assert generate_toy_video(str(tmp_path / 'again'), **SMALL, force=True)['generated']
    other = generate_toy_video(str(tmp_path / 'again'), **dict(SMALL, seed=1), formats=('rawframes', ))
    assert other['generated'] and not osp.exists(other['videos_dir'])  # stale clips are removed
    with open(osp.join(other['rawframes_dir'], clip), 'rb') as a, open(osp.join(motion['rawframes_dir'], clip), 'rb') as b:
        assert a.read() != b.read()


@pytest.mark.parametrize('kwargs,message', [
    (dict(task='direction'), 'unknown toy video task'),
    (dict(formats=('gif', )), 'formats must be'),
    (dict(num_frames=1), 'num_frames must be'),
    (dict(num_train=0), 'num_train must be'),
    (dict(frame_size=8), 'frame_size must be'),
])
def test_bad_arguments_are_named(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_toy_video(str(tmp_path), **dict(SMALL, **kwargs))
    assert not os.listdir(tmp_path)  # nothing written


def test_unwritable_out_dir_is_named(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    with pytest.raises(ValueError, match='cannot be written'):
        generate_toy_video(str(blocker / 'data'), **SMALL)
