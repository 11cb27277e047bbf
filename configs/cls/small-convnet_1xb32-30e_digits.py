# SmallConvNet on scikit-learn's 8x8 digits: the smoke test of mmx's classification substrate.
# About a minute on 2 busy CPU cores, 98.5% top-1 on the test split (configs/cls/README.md):
#   OMP_NUM_THREADS=1 python tools/train.py <this file> --work-dir <dir>
# One thread: the ops of this tiny model gain little from a second one, and on shared cores the two
# threads wait for each other (the same run with torch's default two threads took 4 min 50 s).
_base_ = [
    '../_base_/models/small-convnet.py', '../_base_/datasets/digits.py',
    '../_base_/schedules/cls_sgd-cosine_30e.py', '../_base_/default_runtime_cls.py'
]

# Frequently modified parameters
batch_size = 32  # per process; base_lr is for a total batch of 32
base_lr = 0.1
max_epochs = 30
val_interval = 5  # epochs between evaluations on the test split
widths = (32, 64, 128)  # channels of the three backbone stages
norm_cfg = dict(type='BN')  # e.g. dict(type='GN', num_groups=8)

model = dict(
    backbone=dict(widths=widths, norm_cfg=norm_cfg), head=dict(in_channels=widths[-1]))
train_dataloader = dict(batch_size=batch_size)
optim_wrapper = dict(optimizer=dict(lr=base_lr))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs, eta_min=0.0,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=val_interval)
auto_scale_lr = dict(base_batch_size=batch_size)
