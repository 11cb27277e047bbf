# The dual-encoder (VSE-style) baseline on the toy compositional retrieval data: CAMP's encoders, mean pooling,
# cosine, VSE++ hinge (hardest negatives after the same warm-up); data, epochs and optimiser of the CAMP toy config.
#   OMP_NUM_THREADS=1 python tools/train.py configs/camp/vse_bigru_mean-pool_1xb32-12e_toy-retrieval.py
_base_ = ['./camp_bigru_gated-fusion_1xb32-12e_toy-retrieval.py']

model = dict(
    _delete_=True,
    type='VSEDualEncoder',
    vocab_size=29,
    img_dim=64,
    word_dim=64,
    embed_dim=_base_.embed_dim,
    loss=dict(type='VSEHingeLoss', margin=0.2, max_violation=True),
    eval_cfg=dict(img_chunk=100, txt_chunk=100))
