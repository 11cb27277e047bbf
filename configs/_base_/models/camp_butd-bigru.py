# CAMP as released (ZihaoWang-CV/CAMP_iccv19, GatedFusionNew): 36 x 2048 BUTD regions -> Linear 1024;
# 300-d word embeddings -> 1-layer bi-GRU (1024, directions averaged); one round of cross-modal message
# passing, scalar gates, concat fusion, 4-head aggregation, MLP score; hardest-negative BCE.
model = dict(
    type='CAMP',
    vocab_size=8590,  # CAMP's Flickr30K vocabulary (threshold 4); set to your vocabulary's size
    img_dim=2048,
    word_dim=300,
    embed_dim=1024,
    num_heads=4,
    head='gated_fusion',
    loss=dict(type='HardestNegativeBCELoss', from_logits=True),
    # a cheap dual-encoder head on detached features for two-stage evaluation (does not change CAMP's training)
    shortlist_head=dict(loss=dict(type='VSEHingeLoss', margin=0.2)),
    # exhaustive scoring in blocks of 32 images x 128 captions; eval_cfg.topk=k switches to two-stage
    eval_cfg=dict(img_chunk=32, txt_chunk=128, topk=None))
