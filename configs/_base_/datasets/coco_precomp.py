# MS-COCO in SCAN's precomp layout (Karpathy split, restval in train): data/coco_precomp/{train,dev,testall}_*,
# 113,287 / 5,000 / 5,000 images. Validation on the first 1,000 dev images (the official 5,000 captions); the
# test reports COCO 1K (mean of 5 folds of 1,000 images, prefix coco1k/) and COCO 5K (all 5,000, prefix
# coco5k/) from one 5,000 x 25,000 score matrix.
_base_ = ['./f30k_precomp.py']

data_root = 'data/coco_precomp/'
vocab_file = '../vocab/coco_precomp_vocab.json'
train_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file))
val_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file))
test_dataloader = dict(dataset=dict(data_root=data_root, vocab_file=vocab_file, split='testall'))
test_evaluator = [
    dict(type='CrossModalRecall', num_folds=5, prefix='coco1k'),
    dict(type='CrossModalRecall', num_folds=1, prefix='coco5k'),
]
