# Toy compositional text-image retrieval data in the SCAN precomp layout (mmx.retrieval.generate_toy_retrieval):
#   python tools/data/toy_retrieval.py --out data/toy_retrieval
# 600 / 100 / 100 images (groups of 4 that differ only in colour-noun binding and left/right), 5 captions each,
# 12 regions x 64-d features, a fixed 29-token vocabulary.
dataset_type = 'PrecompRetrievalDataset'
data_root = 'data/toy_retrieval/'
vocab_file = 'vocab.json'  # relative to data_root

train_dataloader = dict(
    batch_size=64,
    num_workers=0,  # features are small; worker processes would cost more than they save
    drop_last=True,  # the hardest-negative losses need a full in-batch set of negatives
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', vocab_file=vocab_file))
val_dataloader = dict(
    batch_size=50,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='dev', vocab_file=vocab_file, test_mode=True))
test_dataloader = dict(
    batch_size=50,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', vocab_file=vocab_file, test_mode=True))

val_evaluator = dict(type='CrossModalRecall')
test_evaluator = val_evaluator
val_cfg = dict(type='CrossModalRetrievalValLoop')
test_cfg = dict(type='CrossModalRetrievalTestLoop')
