# The tiny twin of the COCO search config: CR-NAS on the toy detection data with mmx's tiny Faster
# R-CNN (16 base channels, ResNet-18 budget N = 8 BasicBlocks), scored by the archval loss. On 2 CPUs:
#   python tools/data/toy_lvis.py --out data/toy_lvis
#   OMP_NUM_THREADS=1 python tools/nas/search_crnas.py \
#       configs/crnas/crnas-search_faster-rcnn_r18-tiny-supernet_fpn_toy-lvis.py --work-dir work_dirs/crnas_toy
# The toy set has no third split: the search scores on its val split, which then must not be used to
# compare the searched net with others.
_base_ = '../eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py'

budget = 8
stage_options = [list(range(1, 11)), list(range(1, 11)), [2, 3, 5, 6, 9, 11, 14, 17, 20, 23],
                 [2, 3, 4, 6, 7, 9, 11, 13, 15, 17]]

model = dict(
    backbone=dict(
        _delete_=True,
        type='CRResNetSupernet',
        stage_options=stage_options,
        budget=budget,
        dilation_choices=(1, ),
        block='basic',
        base_channels=16,
        frozen_stages=-1,
        norm_eval=False))
search_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset={{_base_.val_dataloader.dataset}})
custom_hooks = [dict(type='SPOSSampleHook', seed=0)]
nas = dict(budget=budget, beam=3, dilation_choices=(1, 2, 3), score='loss', num_batches=8, seed=0,
           op_train_cfg=dict(type='EpochBasedTrainLoop', max_epochs=1, val_interval=10**9))
