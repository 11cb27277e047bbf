# Unified INT8 training (DSGC + DCLR) of the tiny Faster R-CNN on the toy LVIS data: the CPU twin of
# faster-rcnn_r50_fpn_int8-dsgc-dclr_1x_coco.py, the FP32 toy config plus the INT8 switch.
#   python tools/data/toy_lvis.py --out data/toy_lvis
#   OMP_NUM_THREADS=1 python tools/train.py configs/int8/faster-rcnn_r18-tiny_fpn_int8-dsgc-dclr_3e_toy-lvis.py
_base_ = ['../eql/faster-rcnn_r18-tiny_fpn_3e_toy-lvis.py', './_base_/int8-training_dsgc-dclr.py']

int8_training = dict(
    # floating point: the backbone's first conv and the final FC layers (box classifier and regressor),
    # the detection counterpart of the paper's "first conv and last FC"
    skip=('first_conv', 'roi_head.bbox_head.fc_cls', 'roi_head.bbox_head.fc_reg'),
    period=20)  # T; 450 iterations in 3 epochs
optim_wrapper = dict(
    type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1)
