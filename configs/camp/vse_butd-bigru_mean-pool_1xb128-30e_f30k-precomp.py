# The dual-encoder (VSE-style) baseline on Flickr30K precomp features, with VSE++'s schedule.
_base_ = [
    '../_base_/models/vse_butd-bigru.py', '../_base_/datasets/f30k_precomp.py',
    '../_base_/schedules/vse_adam-30e.py', '../_base_/default_runtime_retrieval.py'
]

# VSE++ averages over all negatives for the first epoch (145,000 captions / 128), then uses the hardest
custom_hooks = [dict(type='HardNegativeWarmupHook', warmup_iters=1133)]
