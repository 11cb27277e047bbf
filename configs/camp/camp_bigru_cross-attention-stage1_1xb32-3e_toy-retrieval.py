# Toy twin of the released recipe's stage 1 (cross-attention model, cosine score, Adam): the same schedule
# and model kinds on the toy retrieval data with toy sizes and 3 epochs (StepLR never fires). CPU, minutes.
#   python tools/train.py configs/camp/camp_bigru_cross-attention-stage1_1xb32-3e_toy-retrieval.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/toy-retrieval_precomp.py',
    '../_base_/schedules/camp-stage1_adam-111e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(
    vocab_size=29, img_dim=64, word_dim=64, embed_dim=64, head='cross_attention',
    loss=dict(type='HardestNegativeBCELoss', from_logits=False), eval_cfg=dict(img_chunk=100, txt_chunk=100))
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_epochs=3, val_interval=1)
