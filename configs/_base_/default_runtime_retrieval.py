# Runtime for mmx's retrieval models: the classification runtime (mmx scope, mmengine's hooks) keeping the
# checkpoint with the best validation rsum, as the official code keeps model_best by rsum.
_base_ = ['./default_runtime_cls.py']

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=1, save_best='retrieval/rsum',
                    rule='greater'))
