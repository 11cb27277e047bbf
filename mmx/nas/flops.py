"""Multiply-accumulate counts of convolutions and linear layers, measured by running the model."""
from typing import Sequence

import torch
import torch.nn as nn

__all__ = ['conv_macs']


@torch.no_grad()
def conv_macs(model: nn.Module, input_shape: Sequence[int]) -> int:
    """Multiply-accumulates of every ``nn.Conv2d`` and ``nn.Linear`` in one forward pass of one image.

    CR-NAS compares FLOPs of the convolutions (its small FLOPs gaps come from BN and activations only,
    Sec. 4 of the paper), which is what this counts; BN, activations and poolings are left out.

    Args:
        model (nn.Module): the network; it runs in eval mode (its mode is restored).
        input_shape (Sequence[int]): (C, H, W) of one input image.

    Returns:
        int: the multiply-accumulates.
    """
    if len(input_shape) != 3:
        raise ValueError(f'input_shape must be (C, H, W), got {tuple(input_shape)}')
    total = [0]

    def hook(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            k = module.kernel_size[0] * module.kernel_size[1]
            total[0] += output.numel() * module.in_channels // module.groups * k
        else:
            total[0] += output.numel() * module.in_features

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        param = next(model.parameters(), None)
        device = param.device if param is not None else 'cpu'
        model(torch.zeros(1, *input_shape, device=device))
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return total[0]
