# CAMP stage 2 on MS-COCO (the Flickr30K recipe; see the Flickr30K config for what is frozen and why).
_base_ = [
    '../_base_/models/camp_butd-bigru.py', '../_base_/datasets/coco_precomp.py',
    '../_base_/schedules/camp-stage2_sgd-66e.py', '../_base_/default_runtime_retrieval.py'
]

attention = ('img_key_fc', 'txt_key_fc', 'img_query_fc', 'txt_query_fc', 'weighted_img_key_fc',
             'weighted_txt_key_fc', 'weighted_img_query_fc', 'weighted_txt_query_fc')
model = dict(vocab_size=11755, frozen=('img_enc', 'txt_enc') + tuple(f'fusion.{n}' for n in attention))
load_from = 'work_dirs/camp_butd-bigru_cross-attention-stage1_1xb256-111e_coco-precomp/epoch_111.pth'
