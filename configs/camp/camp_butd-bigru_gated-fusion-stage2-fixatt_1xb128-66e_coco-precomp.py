# CAMP stage 2 on MS-COCO (the Flickr30K recipe; no COCO config was released).
_base_ = ['./camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_f30k-precomp.py']

model = dict(vocab_size=11755)
load_from = 'work_dirs/camp_butd-bigru_cross-attention-stage1_1xb256-111e_coco-precomp/epoch_111.pth'
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
