# CR-NAS search on COCO (paper, Sec. 3.3): Faster R-CNN + FPN whose ResNet-50-budget backbone (N = 16
# Bottlenecks) is a one-shot stage supernet; the neck and head are fixed.
#   python tools/nas/search_crnas.py configs/crnas/crnas-search_faster-rcnn_r50-supernet_fpn_coco.py \
#       --work-dir work_dirs/crnas_r50_coco
# The paper splits COCO trainval135 into archtrain (130K images, supernet training) and archval (5K,
# architecture scores); put such a split into annotations/archtrain.json and annotations/archval.json
# (any disjoint split of instances_train2017.json). The supernet schedule of the paper is in its
# Appendix A (not transcribed): this uses mmdet's 1x schedule for both supernets.
_base_ = 'mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
budget = 16  # N of ResNet-50
stage_options = [list(range(1, 11)), list(range(1, 11)), [2, 3, 5, 6, 9, 11, 14, 17, 20, 23],
                 [2, 3, 4, 6, 7, 9, 11, 13, 15, 17]]  # paper, Sec. 3.2.1
data_root = 'data/coco/'

model = dict(
    backbone=dict(
        _delete_=True,
        type='CRResNetSupernet',
        stage_options=stage_options,
        budget=budget,
        dilation_choices=(1, ),  # the stage supernet; tools/nas/search_crnas.py sets (1, 2, 3) later
        block='bottleneck',
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        style='pytorch'))
train_dataloader = dict(dataset=dict(ann_file='annotations/archtrain.json', data_prefix=dict(img='train2017/')))
search_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='CocoDataset', data_root=data_root, ann_file='annotations/archval.json',
                 data_prefix=dict(img='train2017/'), test_mode=True,
                 pipeline={{_base_.test_pipeline}}))
custom_hooks = [dict(type='SPOSSampleHook', seed=0)]
nas = dict(
    budget=budget,
    beam=3,  # K of Algorithm 1 (paper)
    dilation_choices=(1, 2, 3),
    score='metric',  # the paper's AP on archval; 'loss' is far cheaper
    metric_key='coco/bbox_mAP',
    num_batches=None,  # all of archval
    seed=0)
