# Toy twin of the released recipe's stage 2 (gated fusion on the stage-1 weights, attention and encoders
# frozen, SGD): toy data and sizes, 3 epochs, from the toy stage-1 checkpoint.
#   python tools/train.py configs/camp/camp_bigru_gated-fusion-stage2-fixatt_1xb32-3e_toy-retrieval.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/toy-retrieval_precomp.py',
    '../_base_/schedules/camp-stage2_sgd-66e.py', '../_base_/default_runtime_retrieval.py'
]

attention = ('img_key_fc', 'txt_key_fc', 'img_query_fc', 'txt_query_fc', 'weighted_img_key_fc',
             'weighted_txt_key_fc', 'weighted_img_query_fc', 'weighted_txt_query_fc')
model = dict(
    vocab_size=29, img_dim=64, word_dim=64, embed_dim=64, eval_cfg=dict(img_chunk=100, txt_chunk=100),
    frozen=('img_enc', 'txt_enc') + tuple(f'fusion.{n}' for n in attention))
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_epochs=3, val_interval=1)
load_from = 'work_dirs/camp_bigru_cross-attention-stage1_1xb32-3e_toy-retrieval/epoch_3.pth'
