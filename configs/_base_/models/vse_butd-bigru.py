# The dual-encoder (VSE-style) baseline: CAMP's encoders (BUTD regions -> Linear 1024, word embeddings -> bi-GRU),
# masked mean pooling of each side, cosine similarity, VSE++ hinge with hardest negatives (margin 0.2).
model = dict(
    type='VSEDualEncoder',
    vocab_size=8590,
    img_dim=2048,
    word_dim=300,
    embed_dim=1024,
    loss=dict(type='VSEHingeLoss', margin=0.2, max_violation=True),
    eval_cfg=dict(img_chunk=1000, txt_chunk=5000))
