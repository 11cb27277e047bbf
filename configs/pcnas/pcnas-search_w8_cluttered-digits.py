# The tiny PC-NAS search of pcnas-search_w8_digits.py on *cluttered translated* digits (see
# configs/crnas/crnas-search_r18-basic-w8_cluttered-digits.py): each digit upscaled 3x at a random place on a
# 32x32 canvas among 2 fragments of other digits. Same 32x32 inputs, latency table and split.
_base_ = ['./pcnas-search_w8_digits.py']

digit_cfg = dict(scale_factor=3, canvas=32, clutter=2)
train_dataloader = dict(dataset=digit_cfg)
val_dataloader = dict(dataset=digit_cfg)
test_dataloader = val_dataloader
search_dataloader = dict(dataset=digit_cfg)
custom_hooks = [dict(_base_.custom_hooks[0], search_dataloader=dict(
    _base_.search_dataloader, dataset=dict(_base_.search_dataloader.dataset, **digit_cfg)))]
