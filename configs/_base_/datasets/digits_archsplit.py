# scikit-learn's digits for the miniature architecture searches (CR-NAS, PC-NAS), 8x8 upscaled 4x to 32x32:
# the training split (1201 images) cut into archtrain (the first 1001: supernet training) and archval (the
# last 200, `search_dataloader`: architecture scores), as the CR-NAS paper cuts COCO trainval into 130K/5K.
# The test split (val/test loaders) is never used by a search.
_base_ = ['./digits.py']

scale_factor = 4
archtrain = 1001  # first images of the digits train split

train_dataloader = dict(dataset=dict(scale_factor=scale_factor, indices=archtrain))
val_dataloader = dict(dataset=dict(scale_factor=scale_factor))
test_dataloader = val_dataloader
search_dataloader = dict(
    batch_size=50,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='DigitsDataset', split='train', scale_factor=scale_factor, test_mode=True,
                 indices=list(range(archtrain, 1201)), pipeline=[dict(type='PackImageClsInputs')]))
