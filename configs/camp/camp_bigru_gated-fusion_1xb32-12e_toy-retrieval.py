# CAMP (gated fusion, as released) trained from scratch on the toy compositional retrieval data, on a CPU.
#   python tools/data/toy_retrieval.py --out data/toy_retrieval
#   OMP_NUM_THREADS=1 python tools/train.py configs/camp/camp_bigru_gated-fusion_1xb32-12e_toy-retrieval.py
# One stage with Adam instead of the released three-stage recipe. From a random start the hardest-negative
# BCE stays at chance (loss 4 B log 2, as in CAMP_iccv19 issues #6/#9), so the first iterations average
# over all negatives (HardNegativeWarmupHook), then the hardest negatives take over.
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/toy-retrieval_precomp.py',
    '../_base_/default_runtime_retrieval.py'
]

# Frequently modified parameters
embed_dim = 64  # D (paper: 1024)
batch_size = 32
max_epochs = 12  # 93 iterations an epoch
warmup_iters = 200  # all negatives, then the hardest
base_lr = 1e-3  # Adam, for a batch of 32

model = dict(
    vocab_size=29,  # mmx.retrieval.datasets.toy_vocabulary()
    img_dim=64,  # toy region features
    word_dim=64,
    embed_dim=embed_dim,
    eval_cfg=dict(img_chunk=100, txt_chunk=100, topk=None))
train_dataloader = dict(batch_size=batch_size)

optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='Adam', lr=base_lr), clip_grad=dict(max_norm=2.0))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[9], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=3)
custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=warmup_iters)]
auto_scale_lr = dict(enable=False, base_batch_size=batch_size)
