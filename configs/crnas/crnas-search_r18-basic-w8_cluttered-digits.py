# The tiny CR-NAS search of crnas-search_r18-basic-w8_digits.py on *cluttered translated* digits: each digit
# (upscaled 3x to 24x24) at a random place on a 32x32 canvas among 2 fragments of other digits
# (DigitsDataset's canvas/clutter). Plain digits saturate near 98% top-1, where architectures of one budget
# differ by a test image or two; here the digit must be found first, which is what the receptive field (stage
# and dilation allocation) is for. Same 32x32 inputs, same archtrain/archval split.
_base_ = ['./crnas-search_r18-basic-w8_digits.py']

digit_cfg = dict(scale_factor=3, canvas=32, clutter=2)
train_dataloader = dict(dataset=digit_cfg)
val_dataloader = dict(dataset=digit_cfg)
test_dataloader = val_dataloader
search_dataloader = dict(dataset=digit_cfg)
