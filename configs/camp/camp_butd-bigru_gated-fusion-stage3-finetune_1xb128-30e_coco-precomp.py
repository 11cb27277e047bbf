# CAMP stage 3 on MS-COCO (the Flickr30K recipe). The test reports COCO 1K (coco1k/) and COCO 5K (coco5k/).
#   python tools/test.py configs/camp/camp_butd-bigru_gated-fusion-stage3-finetune_1xb128-30e_coco-precomp.py CKPT
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/coco_precomp.py',
    '../_base_/schedules/camp-stage3_sgd-30e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(vocab_size=11755)
load_from = 'work_dirs/camp_butd-bigru_gated-fusion-stage2-fixatt_1xb128-66e_coco-precomp/epoch_66.pth'
