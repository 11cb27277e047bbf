"""mmx's own registry nodes, and where each kind of mmx module is registered.

Where a module goes decides which configs find it by its bare ``type=`` name:

* detection modules (losses, heads, datasets, ...) register into **mmdet's** registries, and video modules
  into **mmaction2's**, so that stock mmdet/mmaction2 configs with ``custom_imports=dict(imports=['mmx'])``
  find them without a scope prefix;
* framework-neutral layers (norms, convs, quantised layers, optimiser wrappers, hooks) register into the
  **mmengine root** registries (``mmengine.registry.MODELS`` ...), the parent of every OpenMMLab
  scope, so that mmdet, mmaction2 and mmx configs all find them (mmcv registers ``BN``/``GN`` there too);
* what belongs to no upstream framework (the small classification substrate in :mod:`mmx.cls`) registers
  into the nodes below. They are direct children of the root with ``scope='mmx'``, like mmdet's and
  mmyolo's, so ``default_scope='mmx'`` configs see them, and ``type='mmx.Name'`` finds them from any scope.

Registered names are public API: never reuse an upstream name (check ``Registry.get`` first).
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TASK_UTILS as MMENGINE_TASK_UTILS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import WEIGHT_INITIALIZERS as MMENGINE_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

# Every node lazily imports the whole of mmx, which registers everything (see mmx/__init__.py).
_LOCATIONS = ['mmx']

RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, scope='mmx', locations=_LOCATIONS)
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, scope='mmx', locations=_LOCATIONS)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, scope='mmx', locations=_LOCATIONS)
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, scope='mmx', locations=_LOCATIONS)
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='mmx', locations=_LOCATIONS)
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS, scope='mmx', locations=_LOCATIONS)
MODELS = Registry('model', parent=MMENGINE_MODELS, scope='mmx', locations=_LOCATIONS)
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mmx', locations=_LOCATIONS)
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMENGINE_WEIGHT_INITIALIZERS, scope='mmx', locations=_LOCATIONS)
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, scope='mmx', locations=_LOCATIONS)
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mmx', locations=_LOCATIONS)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer constructor', parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, scope='mmx',
    locations=_LOCATIONS)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS, scope='mmx', locations=_LOCATIONS)
METRICS = Registry('metric', parent=MMENGINE_METRICS, scope='mmx', locations=_LOCATIONS)
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR, scope='mmx', locations=_LOCATIONS)
TASK_UTILS = Registry('task util', parent=MMENGINE_TASK_UTILS, scope='mmx', locations=_LOCATIONS)
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS, scope='mmx', locations=_LOCATIONS)
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS, scope='mmx', locations=_LOCATIONS)
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMENGINE_LOG_PROCESSORS, scope='mmx', locations=_LOCATIONS)

# Framework-neutral layers: the root nodes, visible from every scope.
NEUTRAL_MODELS = MMENGINE_MODELS
NEUTRAL_HOOKS = MMENGINE_HOOKS
NEUTRAL_OPTIM_WRAPPERS = MMENGINE_OPTIM_WRAPPERS
