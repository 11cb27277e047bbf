# The dual-encoder baseline on MS-COCO precomp features (test: coco1k/ and coco5k/), with VSE++'s schedule.
_base_ = [
    '../_base_/models/vse_butd-bigru.py', '../_base_/datasets/coco_precomp.py',
    '../_base_/schedules/vse_adam-30e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(vocab_size=11755)
custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=4426)]  # one epoch: 566,435 captions / 128
