# The INT8 training switch (configs/int8/README.md), added beside any model's config as a second base:
#   _base_ = ['<the FP32 config>', '<this file>']
#   optim_wrapper = dict(type='DCLROptimWrapper', constructor='Int8OptimWrapperConstructor', alpha=20.0, beta=0.1)
# Int8Runner converts the built model (no change to the model's config) and adds the DSGC refresh hook.
runner_type = 'Int8Runner'
int8_training = dict(
    layer_types=('Conv2d', 'Linear'),
    skip=('first_conv', 'last_linear'),  # the paper keeps the first conv and the last FC in floating point
    grad_rounding='stochastic',  # gradients: stochastic rounding (weights/activations: round to nearest)
    dsgc=True,  # Direction Sensitive Gradient Clipping
    num_candidates=64,  # DSGC search grid: clip ratios, geometric from min_ratio to 1, of max|g|
    min_ratio=0.01,
    backend='simulate',  # fake quantisation; 'int8': Linear and 1x1-conv GEMMs with torch._int_mm (CUDA)
    period=100)  # T, the DSGC/DCLR refresh period in iterations
