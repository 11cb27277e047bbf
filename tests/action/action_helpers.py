"""Helpers and fixtures shared by the video tests (conftest.py re-exports the fixtures). Importing mmx first
applies its compatibility fixes (the mmaction2 1.2.0 wheel cannot import its models without them) and registers
the mmx video modules."""
import pytest
from mmengine.config import Config

import mmx  # noqa: F401

SMALL_TOY = dict(num_train=12, num_val=6, num_frames=16, frame_size=64)


@pytest.fixture(scope='session')
def toy_videos(tmp_path_factory) -> dict:
    """Small toy video sets, by task ('motion', 'motion-multilabel'), generated once per session."""
    from mmx.action.datasets import generate_toy_video
    return {task: generate_toy_video(str(tmp_path_factory.mktemp(task)), task=task, **SMALL_TOY)
            for task in ('motion', 'motion-multilabel')}


def use_toy_data(cfg: Config, toy: dict) -> Config:
    """Point a toy config's train / val / test loaders at the raw frames of ``toy`` (a generator result)."""
    for split, key in (('train', 'train_dataloader'), ('val', 'val_dataloader'), ('val', 'test_dataloader')):
        cfg[key].dataset.ann_file = toy[f'{split}_rawframes']
        cfg[key].dataset.data_prefix = dict(img=toy['rawframes_dir'])
    return cfg
