# CAMP released recipe, stage 1 of 3: the cross-attention model (message passing and self-attention over the
# messages, mean pooling, cosine score) from word2vec-initialised embeddings, trained with the same BCE.
#   python tools/train.py configs/camp/camp_butd-bigru_cross-attention-stage1_1xb256-111e_f30k-precomp.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/f30k_precomp.py',
    '../_base_/schedules/camp-stage1_adam-111e.py', '../_base_/default_runtime_retrieval.py'
]

word_vectors = None  # e.g. 'data/vocab/f30k_word2vec_300d.npy': (vocab_size, 300) word2vec rows (README)
model = dict(
    head='cross_attention',
    word_vectors=word_vectors,
    # the official code trains the cosine scores with the same BCE, clamped into (1e-6, 1 - 1e-6)
    loss=dict(type='HardestNegativeBCELoss', from_logits=False))
train_dataloader = dict(batch_size=256)
