# Unified INT8 training (DSGC + DCLR) of the classification substrate's SmallConvNet on scikit-learn's digits:
# the FP32 recipe of configs/cls/small-convnet_1xb32-30e_digits.py plus the INT8 switch. The toy twin of the
# ResNet-50 / MobileNetV2 ImageNet configs; tools/benchmarks/int8.py compares it with FP32, naive INT8 and
# INT8 + DSGC.
#   OMP_NUM_THREADS=1 python tools/train.py configs/int8/small-convnet_int8-dsgc-dclr_1xb32-30e_digits.py
_base_ = ['../cls/small-convnet_1xb32-30e_digits.py', './_base_/int8-training_dsgc-dclr.py']

# T = 100 (the paper's, for ~0.5 M ImageNet iterations) would refresh 12 times in these 1140 iterations;
# 20 follows the early, fast change of the gradients.
int8_training = dict(period=20)
# DCLR: per-layer lr x max(exp(-alpha*d), beta) for the step only (the scheduled lr is never changed)
optim_wrapper = dict(
    type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1)
