# scikit-learn's 8x8 handwritten digits (bundled with scikit-learn, nothing is downloaded).
# Fixed stratified split: 1201 train / 596 test images (see mmx.cls.split_digits).
# Digits has no validation split, so validation runs on the test split: do not tune on it.
dataset_type = 'DigitsDataset'
train_pipeline = [dict(type='PackImageClsInputs')]
test_pipeline = [dict(type='PackImageClsInputs')]

train_dataloader = dict(
    batch_size=32,
    # The images are in memory, so worker processes would cost more than they save.
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, split='train', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, split='test', pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

val_evaluator = dict(type='TopKAccuracy', topk=(1, 5))
test_evaluator = val_evaluator
