# mmaction2's TSM R50 on Kinetics-400 with 2 clips (16 frames) per GPU instead of 16: MABN replaces BN in
# the backbone, its SMAs covering 8 steps (16 clips per GPU, the original batch).
#   bash tools/dist_train.sh configs/mabn/tsm_imagenet-pretrained-r50-mabn_8xb2-1x1x8-50e_kinetics400-rgb.py 8
# The ImageNet weights are an ordinary BN ResNet-50 (torchvision): MABN takes its γ, β and statistics,
# but the convolutions stay plain (CenConv2d would re-centre the pretrained filters).
_base_ = 'mmaction::recognition/tsm/tsm_imagenet-pretrained-r50_8xb16-1x1x8-50e_kinetics400-rgb.py'
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

# Frequently modified parameters
clips_per_gpu = 2
norm_cfg = dict(type='MABN', buffer_size=8, momentum=0.02, warmup_iters=100, renorm_warmup_iters=1000,
                requires_grad=True)

model = dict(backbone=dict(norm_cfg=norm_cfg, norm_eval=False))
train_dataloader = dict(batch_size=clips_per_gpu)
# 0.02 for 8 x 16 clips, scaled linearly to 8 x 2
optim_wrapper = dict(optimizer=dict(lr=0.02 * clips_per_gpu / 16))
auto_scale_lr = dict(enable=False, base_batch_size=8 * clips_per_gpu)
