# Flickr30K in SCAN's precomp layout (kuanghuei/SCAN data.zip): data/f30k_precomp/{train,dev,test}_ims.npy
# (N, 36, 2048) BUTD features, {split}_caps.txt (5 lines per image), and a vocabulary (configs/camp/README.md).
# 29,000 train / 1,014 dev / 1,000 test images. Validation uses the first 1,000 dev images (5,000 captions,
# as the official code); the test is the 1K protocol.
dataset_type = 'PrecompRetrievalDataset'
data_root = 'data/f30k_precomp/'
vocab_file = '../vocab/f30k_precomp_vocab.json'  # relative to data_root; a VSE++/CAMP .pkl also loads
max_words = 47  # official: captions truncated to 47 words, then <start>/<end>

train_dataloader = dict(
    batch_size=128,
    num_workers=4,
    drop_last=True,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', vocab_file=vocab_file,
                 max_words=max_words))
val_dataloader = dict(
    batch_size=100,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='dev', vocab_file=vocab_file,
                 max_words=max_words, num_images=1000, test_mode=True))
test_dataloader = dict(
    batch_size=100,
    num_workers=2,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', vocab_file=vocab_file,
                 max_words=max_words, test_mode=True))

val_evaluator = dict(type='CrossModalRecall')
test_evaluator = val_evaluator
val_cfg = dict(type='CrossModalRetrievalValLoop')
test_cfg = dict(type='CrossModalRetrievalTestLoop')
