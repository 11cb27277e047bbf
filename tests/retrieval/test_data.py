"""SCAN-format dataset, vocabulary (JSON and safely read pickles), toy generator, data tools."""
import hashlib
import json
import os
import pickle
import runpy
import sys
import types

import numpy as np
import pytest
import torch

from mmx.retrieval.datasets import (PrecompRetrievalDataset, Vocabulary, build_vocab, generate_toy_retrieval,
                                    tokenize, toy_vocabulary)
from mmx.retrieval.datasets.toy import TOY_COLOURS, TOY_NOUNS


def test_tokenize_and_build_vocab():
    assert tokenize('A man, riding a "red" bike.') == ['a', 'man', ',', 'riding', 'a', '"', 'red', '"', 'bike', '.']
    vocab = build_vocab(['a dog runs', 'a dog sits', 'A cat runs'], threshold=2)
    assert vocab.idx2word == ['<pad>', '<start>', '<end>', '<unk>', 'a', 'dog', 'runs']
    assert vocab.encode('a cat runs fast', max_words=3) == [1, 4, 3, 6, 2]
    with pytest.raises(ValueError, match='threshold'):
        build_vocab([], threshold=0)


def test_vocab_json_round_trip_and_bad_files(tmp_path):
    vocab = Vocabulary(['dog', 'cat'])
    vocab.save(tmp_path / 'v.json')
    loaded = Vocabulary.load(str(tmp_path / 'v.json'))
    assert loaded.word2idx == vocab.word2idx
    with pytest.raises(FileNotFoundError, match='missing'):
        Vocabulary.load(str(tmp_path / 'missing.json'))
    (tmp_path / 'bad.json').write_text(json.dumps(dict(word2idx={'<pad>': 0, 'dog': 2})))
    with pytest.raises(ValueError, match='without gaps'):
        Vocabulary.load(str(tmp_path / 'bad.json'))


def test_vse_pickle_loads_without_running_code(tmp_path):
    module = types.ModuleType('vocab')

    class Vocabulary_(object):  # the VSE++/CAMP class, pickled under vocab.Vocabulary
        pass

    Vocabulary_.__name__ = Vocabulary_.__qualname__ = 'Vocabulary'
    Vocabulary_.__module__ = 'vocab'
    module.Vocabulary = Vocabulary_
    sys.modules['vocab'] = module
    try:
        obj = Vocabulary_()
        obj.word2idx = {'<pad>': 0, '<start>': 1, '<end>': 2, '<unk>': 3, 'dog': 4}
        obj.idx2word = {v: k for k, v in obj.word2idx.items()}
        obj.idx = 5
        for protocol in (0, 2, 4):
            path = tmp_path / f'v{protocol}.pkl'
            path.write_bytes(pickle.dumps(obj, protocol=protocol))
            assert Vocabulary.load(str(path))('dog') == 4
    finally:
        del sys.modules['vocab']
    evil = tmp_path / 'evil.pkl'
    evil.write_bytes(pickle.dumps(os.system))
    with pytest.raises(pickle.UnpicklingError, match='not allowed'):
        Vocabulary.load(str(evil))


def _write_split(root, split, feats, captions, vocab_words=('dog', 'cat')):
    np.save(root / f'{split}_ims.npy', feats)
    (root / f'{split}_caps.txt').write_text('\n'.join(captions) + '\n')
    Vocabulary(vocab_words).save(root / 'vocab.json')


def test_dataset_train_and_test_items(tmp_path):
    feats = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    caps = [f'a dog {i}' for i in range(5)] + [f'the cat {i}' for i in range(5)]
    _write_split(tmp_path, 'train', feats, caps)
    ds = PrecompRetrievalDataset(str(tmp_path), 'train', max_words=2)
    assert isinstance(ds.images, np.memmap) and len(ds) == 10 and ds.max_len == 4
    item = ds[7]
    assert item['data_samples'] == dict(img_idx=1, cap_idx=7)
    assert torch.equal(item['inputs']['regions'], torch.from_numpy(feats[1]))
    assert item['inputs']['tokens'].tolist() == [1, 3, 5, 2] and item['inputs']['lengths'] == 4  # 'the' unknown
    test = PrecompRetrievalDataset(str(tmp_path), 'train', max_words=2, test_mode=True)
    assert len(test) == 2 and test[1]['inputs']['tokens'].shape == (5, 4)
    assert test[1]['inputs']['lengths'].tolist() == [4] * 5 and test.metainfo['num_captions'] == 10
    with pytest.raises(IndexError):
        ds[10]


def test_dataset_with_features_repeated_per_caption(tmp_path):
    feats = np.repeat(np.arange(2, dtype=np.float32)[:, None, None] * np.ones((1, 3, 4), np.float32), 5, axis=0)
    _write_split(tmp_path, 'dev', feats, ['a dog'] * 10)
    ds = PrecompRetrievalDataset(str(tmp_path), 'dev', test_mode=True)
    assert ds.row_step == 5 and len(ds) == 2 and ds[1]['inputs']['regions'].unique().tolist() == [1.0]
    assert len(PrecompRetrievalDataset(str(tmp_path), 'dev', num_images=1, test_mode=True)) == 1


def test_dataset_bad_inputs(tmp_path):
    with pytest.raises(FileNotFoundError, match='train_ims.npy'):
        PrecompRetrievalDataset(str(tmp_path), 'train')
    _write_split(tmp_path, 'train', np.zeros((2, 3, 4), np.float32), ['a dog'] * 7)
    with pytest.raises(ValueError, match='7 captions for 2 feature rows'):
        PrecompRetrievalDataset(str(tmp_path), 'train')
    _write_split(tmp_path, 'train', np.zeros((2, 4), np.float32), ['a dog'] * 10)
    with pytest.raises(ValueError, match='regions, features'):
        PrecompRetrievalDataset(str(tmp_path), 'train')


def test_toy_generator_is_deterministic_and_compositional(tmp_path):
    groups = dict(train=2, dev=1)
    generate_toy_retrieval(str(tmp_path / 'a'), groups, seed=3)
    generate_toy_retrieval(str(tmp_path / 'b'), groups, seed=3)
    for name in sorted(os.listdir(tmp_path / 'a')):
        digest = [hashlib.md5((tmp_path / d / name).read_bytes()).hexdigest() for d in 'ab']
        assert digest[0] == digest[1], name
    ds = PrecompRetrievalDataset(str(tmp_path / 'a'), 'train', test_mode=True)
    assert ds.images.shape == (8, 12, 64) and len(ds.vocab) == len(toy_vocabulary()) == 29
    assert (ds.tokens != 3).all()  # no unknown word
    caps = (tmp_path / 'a' / 'train_caps.txt').read_text().splitlines()
    # a group: same words in every image's first caption except colour order / relation
    words = [sorted(c.split()) for c in caps[0:20:5]]
    bags = {tuple(w for w in ws if w not in ('left', 'right')) for ws in words}
    assert len(bags) == 1 and len(set(caps[0:20:5])) == 4
    # the region features of a group have the same mean up to noise: a mean-pooling model cannot tell them apart
    means = ds.images[:4].mean(1)
    other = ds.images[4:8].mean(1)
    assert np.abs(means - means[0]).max() < np.abs(other - means[0]).max()
    assert sum(c in caps[0].split() for c in TOY_COLOURS) == 2 and sum(n in caps[0].split() for n in TOY_NOUNS) == 2


def test_data_tools(tmp_path, capsys):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    toy_tool = runpy.run_path(os.path.join(root, 'tools', 'data', 'toy_retrieval.py'), run_name='toy_retrieval')
    vocab_tool = runpy.run_path(os.path.join(root, 'tools', 'data', 'build_vocab.py'), run_name='build_vocab')
    toy_tool['main'](['--out', str(tmp_path / 'toy'), '--train-groups', '1', '--dev-groups', '1',
                        '--test-groups', '1'])
    assert '4 images' in capsys.readouterr().out
    out = tmp_path / 'vocab' / 'v.json'
    vocab_tool['main']([str(tmp_path / 'toy' / 'train_caps.txt'), '--out', str(out), '--threshold', '1'])
    assert Vocabulary.load(str(out))('a') == 4
    with pytest.raises(FileNotFoundError, match='nope.txt'):
        vocab_tool['main']([str(tmp_path / 'nope.txt'), '--out', str(out)])
