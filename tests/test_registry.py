"""mmx modules are found by bare name from stock mmdet / mmaction2 configs that import mmx."""
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.registry import MODELS as ROOT_MODELS

import mmx
from mmx import registry


def test_import_leaves_default_scope_alone():
    """In a fresh interpreter (other tests set scopes): importing mmx sets no default scope."""
    import subprocess
    import sys
    code = ('import mmx; from mmengine.registry import DefaultScope; '
            'assert DefaultScope.get_current_instance() is None; print(mmx.__version__)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == mmx.__version__


def test_mmx_nodes_are_children_of_the_root():
    for node in (registry.MODELS, registry.DATASETS, registry.METRICS, registry.TRANSFORMS, registry.HOOKS):
        assert node.scope == 'mmx'
        assert node.parent is not None and node.parent.parent is None


def test_mmdet_config_resolves_mmx_dataset(tmp_path):
    """A config inheriting an mmdet config, with custom_imports=['mmx'], names an mmx type bare."""
    cfg_file = tmp_path / 'my_lvis.py'
    cfg_file.write_text(
        "_base_ = 'mmdet::lvis/mask-rcnn_r50_fpn_sample1e-3_ms-1x_lvis-v1.py'\n"
        "custom_imports = dict(imports=['mmx'], allow_failed_imports=False)\n"
        "val_dataloader = dict(dataset=dict(type='LVISV1FederatedDataset'))\n")
    cfg = Config.fromfile(str(cfg_file))  # runs custom_imports
    from mmdet.registry import DATASETS
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        cls = DATASETS.get(cfg.val_dataloader.dataset.type)
    from mmx.det.datasets import LVISV1FederatedDataset
    assert cls is LVISV1FederatedDataset


def test_mmx_prefix_works_from_other_scopes():
    from mmdet.registry import MODELS as DET_MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        assert DET_MODELS.get('mmx.SmallConvNet') is registry.MODELS.get('SmallConvNet')
        assert DET_MODELS.get('SmallConvNet') is None  # not shadowing: mmx's own names need the prefix


def test_neutral_layer_found_from_mmdet_and_mmaction_scopes():
    """The mechanism for framework-neutral layers: registered in the root, built from either scope."""
    from mmcv.cnn import build_norm_layer
    from mmaction.registry import MODELS as ACTION_MODELS
    from mmdet.registry import MODELS as DET_MODELS

    class _MmxTestNorm(torch.nn.GroupNorm):
        _abbr_ = 'gn'

        def __init__(self, num_features, num_groups=2, eps=1e-5):
            super().__init__(num_groups, num_features, eps=eps)

    registry.NEUTRAL_MODELS.register_module(module=_MmxTestNorm)
    try:
        for scope, node in (('mmdet', DET_MODELS), ('mmaction', ACTION_MODELS)):
            with DefaultScope.overwrite_default_scope(scope):
                name, layer = build_norm_layer(dict(type='_MmxTestNorm', num_groups=4), 8)
                assert isinstance(layer, _MmxTestNorm) and name == 'gn'
                built = node.build(dict(type='_MmxTestNorm', num_features=8))
                assert isinstance(built, _MmxTestNorm)
    finally:
        ROOT_MODELS._module_dict.pop('_MmxTestNorm')


def test_mmaction_config_resolves_neutral_layer(tmp_path):
    """A config inheriting an mmaction2 config, with custom_imports=['mmx'], uses a root-registered norm."""
    from mmaction.registry import MODELS as ACTION_MODELS

    class _MmxTestNorm2(torch.nn.GroupNorm):
        _abbr_ = 'gn'

        def __init__(self, num_features, eps=1e-5):
            super().__init__(4, num_features, eps=eps)

    registry.NEUTRAL_MODELS.register_module(module=_MmxTestNorm2)
    try:
        cfg_file = tmp_path / 'my_tsn.py'
        cfg_file.write_text(
            "_base_ = 'mmaction::recognition/tsn/"
            "tsn_imagenet-pretrained-r50_8xb32-1x1x3-100e_kinetics400-rgb.py'\n"
            "custom_imports = dict(imports=['mmx'], allow_failed_imports=False)\n"
            "model = dict(backbone=dict(depth=18, pretrained=None, norm_cfg=dict(type='_MmxTestNorm2')))\n")
        cfg = Config.fromfile(str(cfg_file))
        assert cfg.default_scope == 'mmaction'
        with DefaultScope.overwrite_default_scope(cfg.default_scope):
            backbone = ACTION_MODELS.build(cfg.model.backbone)
        norms = [m for m in backbone.modules() if isinstance(m, _MmxTestNorm2)]
        assert norms and not any(isinstance(m, torch.nn.BatchNorm2d) for m in backbone.modules())
    finally:
        ROOT_MODELS._module_dict.pop('_MmxTestNorm2')


def test_mmx_registers_only_free_names():
    """No mmx module shadows a name that mmengine, mmcv, mmdet or mmaction2 already registered."""
    from mmaction.registry import DATASETS as ACTION_DATASETS
    from mmaction.registry import MODELS as ACTION_MODELS
    from mmdet.registry import DATASETS as DET_DATASETS
    from mmdet.registry import MODELS as DET_MODELS
    upstream = {}
    for node in (ACTION_MODELS, DET_MODELS, ACTION_DATASETS, DET_DATASETS, ROOT_MODELS):
        for name, cls in node.module_dict.items():
            if not cls.__module__.startswith('mmx'):
                upstream[name] = cls
    mmx_names = [name for node in (registry.MODELS, registry.DATASETS, registry.METRICS, DET_MODELS,
                                   DET_DATASETS, ACTION_MODELS, ROOT_MODELS)
                 for name, cls in node.module_dict.items() if cls.__module__.startswith('mmx')]
    assert mmx_names, 'mmx registered nothing'
    assert not set(mmx_names) & set(upstream)
