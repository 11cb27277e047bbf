# The dual-encoder baseline on MS-COCO precomp features.
_base_ = ['./vse_butd-bigru_mean-pool_1xb128-30e_f30k-precomp.py']

model = dict(vocab_size=11755)
custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=4426)]  # one epoch: 566,435 captions / 128
# MS-COCO in SCAN's precomp layout (Karpathy split, restval in train): data/coco_precomp/{train,dev,testall}_*;
# validation on the first 1,000 dev images; the test reports COCO 1K (mean of 5 folds, coco1k/) and COCO 5K
# (coco5k/) from one 5,000 x 25,000 score matrix.
data_root = 'data/coco_precomp/'
vocab_file = '../vocab/coco_precomp_vocab.json'
train_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file))
val_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file))
test_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file, split='testall'))
test_evaluator = [
    dict(type='CrossModalRecall', num_folds=5, prefix='coco1k'),
    dict(type='CrossModalRecall', num_folds=1, prefix='coco5k'),
]
