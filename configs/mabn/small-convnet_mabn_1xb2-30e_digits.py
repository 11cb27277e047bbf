# MABN's small-batch claim on real data: SmallConvNet on scikit-learn's digits trained with 2 images per
# step, MABN + CenConv2d instead of BN (tools/benchmarks/mabn.py compares it with BN at 32 and 2, GN, BRN).
#   OMP_NUM_THREADS=1 python tools/train.py configs/mabn/small-convnet_mabn_1xb2-30e_digits.py
_base_ = '../cls/small-convnet_1xb32-30e_digits.py'

# Frequently modified parameters
batch_size = 2  # per process: the small batch that BN cannot normalise well
base_lr = 0.1 * batch_size / 32  # the BN@32 recipe scaled linearly
# buffer_size m = 32 / 2: the SMA covers as many images as one batch of the BN@32 recipe. The paper's
# defaults otherwise: EMA momentum 0.02 (its "0.98"), warm-ups of 100 and 1000 steps, r in [1/5, 5].
norm_cfg = dict(type='MABN', buffer_size=16, momentum=0.02, warmup_iters=100, renorm_warmup_iters=1000)
conv_cfg = dict(type='CenConv2d')  # zero-mean filters: MABN does not subtract a mean

model = dict(backbone=dict(norm_cfg=norm_cfg, conv_cfg=conv_cfg))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
auto_scale_lr = dict(base_batch_size=batch_size)
# 601 iterations an epoch: log and save less often than the batch-32 recipe
default_hooks = dict(logger=dict(interval=100))
