"""Fold the MABN layers of a trained model into its convolutions, for inference.

    python tools/model_converters/fuse_mabn.py CONFIG CHECKPOINT OUT [--shape N C H W] [--cfg-options k=v]

Builds the model of CONFIG, loads CHECKPOINT (mmx's safe loading), turns every CenConv2d into a plain
Conv2d holding its centred weight and folds every MABN that follows a conv into it
(:func:`mmx.cnn.fuse_mabn`). It then checks, on a random input of ``--shape``, that the features
(``model.extract_feat``, or the model's 'tensor' mode) are unchanged: the largest absolute difference is
printed, and the tool fails if it exceeds ``--atol`` (1e-5). ``OUT`` gets ``{'state_dict', 'meta'}``; the
state dict loads into the fused structure of the same config, e.g. in a deployment script::

    model = MODELS.build(cfg.model); fuse_mabn(model); load_checkpoint(model, OUT)
"""
import argparse
import os.path as osp
import sys
from typing import List, Optional

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Fold MABN (and CenConv2d) into plain convolutions.')
    parser.add_argument('config', help='the config of the trained model')
    parser.add_argument('checkpoint', help='its checkpoint')
    parser.add_argument('out', help='where to write the fused checkpoint')
    parser.add_argument('--shape', type=int, nargs='+', default=[1, 3, 224, 224],
                        help='shape of the random input of the check (default: 1 3 224 224)')
    parser.add_argument('--atol', type=float, default=1e-5,
                        help='largest allowed absolute difference of the features (default: 1e-5)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='override config settings')
    return parser.parse_args(argv)


def _tensors(value) -> List[torch.Tensor]:
    """Every tensor in a (nested) model output."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (list, tuple)):
        return [t for item in value for t in _tensors(item)]
    return []


def features(model: torch.nn.Module, inputs: torch.Tensor) -> List[torch.Tensor]:
    """The model's features for the check: ``extract_feat`` if it has one, else its 'tensor' mode."""
    with torch.no_grad():
        if hasattr(model, 'extract_feat'):
            return _tensors(model.extract_feat(inputs))
        return _tensors(model(inputs))


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    sys.path.insert(0, ROOT)
    from mmengine.config import Config
    from mmengine.registry import MODELS, DefaultScope
    from mmengine.runner import load_checkpoint

    import mmx  # noqa: F401  registers the layers, safe checkpoint loading
    from mmx.cnn import MABN, fuse_mabn

    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file {args.config} does not exist')
    if not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} does not exist')
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    with DefaultScope.overwrite_default_scope(cfg.get('default_scope', 'mmengine')):
        model = MODELS.build(cfg.model)
    if not any(isinstance(m, MABN) for m in model.modules()):
        raise ValueError(f'the model of {args.config} has no MABN layer to fuse')
    load_checkpoint(model, args.checkpoint, map_location='cpu', strict=True)
    model.eval()
    inputs = torch.randn(*args.shape)
    before = features(model, inputs)
    model, folded, left = fuse_mabn(model)
    after = features(model, inputs)
    diff = max((a - b).abs().max().item() for a, b in zip(before, after))
    print(f'folded {folded} MABN layers into convolutions ({left} left, not after a conv); largest feature '
          f'difference on a random {tuple(args.shape)} input: {diff:.3g}')
    if not diff <= args.atol:
        raise RuntimeError(f'the fused model differs by {diff:.3g} > --atol {args.atol}; nothing written')
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(config=osp.abspath(args.config), source=osp.abspath(args.checkpoint),
                              mabn_fused=True, mabn_folded=folded, mabn_left=left)), args.out)
    print(f'fused checkpoint written to {args.out}')
    return dict(folded=folded, left=left, max_abs_diff=diff)


if __name__ == '__main__':
    main()
