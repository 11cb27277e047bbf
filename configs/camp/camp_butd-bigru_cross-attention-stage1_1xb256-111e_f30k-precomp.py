# CAMP released recipe, stage 1 of 3 (experiments/f30k_cross_attention/config_256.yaml): the cross-attention
# model (message passing + self-attention over the messages, mean pooling, cosine score) trained from
# word2vec-initialised embeddings with Adam. Stage 2 starts from its checkpoint_110 (the 111th epoch).
#   python tools/train.py configs/camp/camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/f30k_precomp.py',
    '../_base_/default_runtime_retrieval.py'
]

# Frequently modified parameters
batch_size = 256
base_lr = 1e-3  # official: 0.002 x 128 / batch_size
max_epochs = 111
word_vectors = None  # e.g. 'data/vocab/f30k_word2vec_300d.npy': (vocab_size, 300) word2vec rows (README)

model = dict(
    head='cross_attention',
    word_vectors=word_vectors,
    # the official code trains the cosine scores with the same BCE, clamped into (1e-6, 1 - 1e-6)
    loss=dict(type='HardestNegativeBCELoss', from_logits=False))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=base_lr), clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='StepLR', by_epoch=True, step_size=50, gamma=0.1)]  # lr x 0.1 every 50 epochs
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=5)
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)
