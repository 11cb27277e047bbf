# CAMP stage 1 on MS-COCO. Only Flickr30K configs were released (CAMP_iccv19 issue #3): this is their recipe
# on COCO's data and CAMP's 11,755-word COCO vocabulary (configs/camp/README.md).
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/coco_precomp.py',
    '../_base_/schedules/camp-stage1_adam-111e.py', '../_base_/default_runtime_retrieval.py'
]

model = dict(vocab_size=11755, head='cross_attention', loss=dict(type='HardestNegativeBCELoss', from_logits=False))
train_dataloader = dict(batch_size=256)
