# Unified INT8 training (DSGC + DCLR) of mmdet's Faster R-CNN R50-FPN 1x on COCO 2017: mmdet's config
# unchanged plus the INT8 switch (every conv and FC of backbone, FPN, RPN and RoI head quantised; BN in FP32;
# T = 100). The paper trains detectors (Faster R-CNN, RetinaNet R50-FPN) in INT8 with a drop of about 1-2 AP
# (configs/int8/README.md); this config has not been trained by mmx.
#   bash tools/dist_train.sh configs/int8/faster-rcnn_r50_fpn_int8-dsgc-dclr_1x_coco.py 8
_base_ = ['mmdet::faster_rcnn/faster-rcnn_r50_fpn_1x_coco.py', './_base_/int8-training_dsgc-dclr.py']
custom_imports = dict(imports=['mmx'], allow_failed_imports=False)

int8_training = dict(
    # floating point: the stem conv and the final FC layers (box classifier and regressor)
    skip=('first_conv', 'roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg'))
# DCLR with the paper's alpha = 20, beta = 0.1 around mmdet's SGD
optim_wrapper = dict(
    type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1)
