# Toy twin of the released recipe's stage 3 (everything trains, SGD): toy data and sizes, 3 epochs, from the
# toy stage-2 checkpoint.
#   python tools/train.py configs/camp/camp_bigru_gated-fusion-stage3-finetune_1xb32-3e_toy-retrieval.py
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/toy-retrieval_precomp.py',
    '../_base_/schedules/camp-stage3_sgd-30e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(vocab_size=29, img_dim=64, word_dim=64, embed_dim=64, eval_cfg=dict(img_chunk=100, txt_chunk=100))
train_dataloader = dict(batch_size=32)
train_cfg = dict(max_epochs=3)
load_from = 'work_dirs/camp_bigru_gated-fusion-stage2-fixatt_1xb32-3e_toy-retrieval/epoch_3.pth'
