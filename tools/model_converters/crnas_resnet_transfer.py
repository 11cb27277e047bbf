"""Initialise a reallocated ResNet (CRResNet) from a torchvision or mmdet ResNet checkpoint.

    python tools/model_converters/crnas_resnet_transfer.py SRC.pth ARCH.yaml DST.pth [--prefix backbone.]

A searched net cannot load ImageNet weights 1:1 once its stages have other block counts (the CR-NAS paper
re-pretrains every searched net on ImageNet). This tool maps them as follows:

* the stem, and block j of stage i for every j that the source stage has, are copied (dilations change no
  weight, so they load as they are);
* a block beyond the source stage's depth copies the source stage's last block, with the scale and shift
  of its last norm (``bn3`` of a Bottleneck, ``bn2`` of a BasicBlock) set to 0: its residual branch
  outputs 0, so it starts as the identity and the initialised network computes what the source network
  computes (the extra blocks then train from a copy of a neighbour, not from noise);
* blocks of the source beyond the new depth are dropped (the function changes there);
* the classifier (``fc``) is dropped.

The source is read with ``torch.load(weights_only=True)`` (no code runs). torchvision's and mmdet's ResNet
use the same parameter names (``layer1.0.conv1.weight`` ...); a checkpoint's ``state_dict`` and a
``backbone.`` prefix are unwrapped. ``--prefix backbone.`` writes the keys for a detector's ``load_from``;
the default writes bare backbone keys for ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import os.path as osp
import re
import sys
from typing import Dict, Sequence

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from mmx.nas import load_arch  # noqa: E402

_BLOCK_KEY = re.compile(r'^layer(\d+)\.(\d+)\.(.+)$')


def transfer_resnet_weights(src: Dict[str, torch.Tensor], stage_blocks: Sequence[int],
                            block: str = 'bottleneck') -> Dict[str, torch.Tensor]:
    """Map a ResNet state dict onto the stages ``stage_blocks`` (see the module docstring).

    Args:
        src (dict): ResNet backbone state dict (``conv1.weight``, ``layer1.0.conv1.weight`` ...).
        stage_blocks (Sequence[int]): the new block count of every stage.
        block (str): ``'bottleneck'`` or ``'basic'`` (which norm closes the residual branch).

    Returns:
        dict: the new state dict.
    """
    if block not in ('bottleneck', 'basic'):
        raise ValueError(f"block must be 'bottleneck' or 'basic', got {block!r}")
    last_norm = 'bn3' if block == 'bottleneck' else 'bn2'
    src_blocks: Dict[int, int] = {}
    for k in src:
        m = _BLOCK_KEY.match(k)
        if m:
            src_blocks[int(m[1])] = max(src_blocks.get(int(m[1]), 0), int(m[2]) + 1)
    if not src_blocks or 'conv1.weight' not in src:
        raise ValueError('the source is not a ResNet state dict (no conv1.weight / layer*.*.* keys)')
    if len(stage_blocks) > len(src_blocks):
        raise ValueError(f'{len(stage_blocks)} stages asked, the source has {len(src_blocks)}')
    if block == 'bottleneck' and 'layer1.0.conv3.weight' not in src:
        raise ValueError("the source has BasicBlocks (no layer1.0.conv3): use block='basic'")
    out = {k: v.clone() for k, v in src.items() if not _BLOCK_KEY.match(k) and not k.startswith('fc.')}
    for i, n in enumerate(stage_blocks, start=1):
        for j in range(n):
            copy_from = min(j, src_blocks[i] - 1)
            prefix = f'layer{i}.{copy_from}.'
            for k, v in src.items():
                if k.startswith(prefix):
                    name = k[len(prefix):]
                    v = v.clone()
                    if j >= src_blocks[i]:
                        if name.startswith('downsample.'):
                            continue  # only the first block of a stage has one, and it is never extra
                        if name in (f'{last_norm}.weight', f'{last_norm}.bias'):
                            v.zero_()
                    out[f'layer{i}.{j}.{name}'] = v
    return out


def load_resnet_state(path: str) -> Dict[str, torch.Tensor]:
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path!r} does not exist')
    try:
        ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # a corrupted file or a pickle that is not plain tensors
        raise ValueError(f'cannot read {path!r} as a weights-only checkpoint: {err}') from err
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict):
        raise ValueError(f'{path!r} holds no state dict')
    if any(k.startswith('backbone.') for k in state):
        state = {k[len('backbone.'):]: v for k, v in state.items() if k.startswith('backbone.')}
    return state


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description='initialise a CRResNet from ResNet weights')
    parser.add_argument('src', help='torchvision or mmdet ResNet checkpoint')
    parser.add_argument('arch', help='CR-NAS architecture YAML (family cr_resnet)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--prefix', default='', help="key prefix, e.g. 'backbone.'")
    args = parser.parse_args(argv)
    arch = load_arch(args.arch)
    if arch['family'] != 'cr_resnet':
        raise ValueError(f'{args.arch} describes a {arch["family"]}, not a cr_resnet')
    state = transfer_resnet_weights(load_resnet_state(args.src), arch['stage_blocks'],
                                    arch.get('block', 'bottleneck'))
    torch.save(dict(state_dict={args.prefix + k: v for k, v in state.items()}), args.dst)
    print(f'wrote {len(state)} tensors for stages {arch["stage_blocks"]} to {args.dst}')


if __name__ == '__main__':
    main()
