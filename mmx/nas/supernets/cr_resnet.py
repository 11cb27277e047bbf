"""The CR-NAS ResNet supernet: one-shot weights for every stage allocation and every block dilation.

Liang et al., "Computation Reallocation for Object Detection", ICLR 2020 (Sec. 3.2, Fig. 2-3).
"""
import random
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.models.layers import ResLayer
from mmdet.registry import MODELS as MMDET_MODELS

from mmx.registry import MODELS
from ..backbones.cr_resnet import CRResNet, set_block_dilation
from ..spaces import CR_DILATIONS, useful_stage_options

__all__ = ['CRResNetSupernet']


class CRResNetSupernet(CRResNet):
    """A CR-NAS supernet backbone: any allocation of ``stage_options`` and any per-block dilation.

    Stage ``i`` holds one branch per block count in ``stage_options[i]`` (Fig. 2 of the paper); with
    ``branch_sharing='prefix'`` the branches are the prefixes of one stack of ``max(stage_options[i])``
    blocks instead (fewer weights; the paper does not say which it used). Every block's 3x3 conv2 takes
    its dilation from the current architecture; a dilation changes no weight, so all dilations share one
    kernel. Training samples one path per step (single-path one-shot, uniform): see
    :class:`~mmx.nas.SPOSSampleHook`, which calls :meth:`sample_arch` and :meth:`set_arch`.

    An architecture is a dict ``{'stage_blocks': (n_1, .., n_S), 'dilations': [[d, ..], ..]}``.

    Args:
        stage_options (Sequence[Sequence[int]]): allowed block counts of each stage. With ``budget``, only
            those in some allocation of ``budget`` blocks get a branch.
        budget (int, optional): the total block count N that searched allocations keep. Defaults to None
            (no constraint).
        dilation_choices (Sequence[int]): the dilations a block may take; (1,) for the stage supernet,
            (1, 2, 3) for the operation supernet (paper). Defaults to (1, 2, 3).
        branch_sharing (str): ``'independent'`` (a branch per option) or ``'prefix'``.
            Defaults to ``'independent'``.
        block (str): ``'bottleneck'`` or ``'basic'``.
        **kwargs: mmdet ResNet arguments (``base_channels``, ``norm_cfg``, ``out_indices`` ...).
    """

    def __init__(self,
                 stage_options: Sequence[Sequence[int]],
                 budget: Optional[int] = None,
                 dilation_choices: Sequence[int] = CR_DILATIONS,
                 branch_sharing: str = 'independent',
                 block: str = 'bottleneck',
                 **kwargs):
        if branch_sharing not in ('independent', 'prefix'):
            raise ValueError(f"branch_sharing must be 'independent' or 'prefix', got {branch_sharing!r}")
        if budget is not None:
            stage_options = useful_stage_options(budget, stage_options)
        elif not stage_options or any(not o for o in stage_options):
            raise ValueError(f'stage_options must list non-empty options per stage, got {stage_options!r}')
        if not dilation_choices or any(int(d) != d or d < 1 for d in dilation_choices):
            raise ValueError(f'dilation_choices must be positive integers, got {dilation_choices!r}')
        self.stage_options = [sorted(set(int(n) for n in o)) for o in stage_options]
        super().__init__(stage_blocks=[o[-1] for o in self.stage_options], block=block, **kwargs)
        self.budget = budget
        self.dilation_choices = tuple(int(d) for d in dilation_choices)
        self.branch_sharing = branch_sharing
        # Branches other than the largest (which is layer{i}, ResNet's own stage).
        self.branches = nn.ModuleList()
        for i, opts in enumerate(self.stage_options):
            stage = nn.ModuleDict()
            if branch_sharing == 'independent':
                largest = getattr(self, self.res_layers[i])
                for n in opts[:-1]:
                    stage[str(n)] = self._make_branch(i, largest, n)
            self.branches.append(stage)
        self.arch = self.max_arch()

    def _make_branch(self, i: int, largest: ResLayer, num_blocks: int) -> ResLayer:
        """Stage ``i``'s branch of ``num_blocks`` blocks, built like ResNet builds ``largest``."""
        planes = self.base_channels * 2**i
        inplanes = self.stem_channels if i == 0 else planes // 2 * self.block.expansion
        return ResLayer(
            block=self.block, inplanes=inplanes, planes=planes, num_blocks=num_blocks,
            stride=self.strides[i], style=self.style, avg_down=self.avg_down, with_cp=self.with_cp,
            conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg, init_cfg=largest[-1].init_cfg)

    def max_arch(self) -> Dict:
        """The architecture with the largest branch of every stage, dilation 1."""
        blocks = tuple(o[-1] for o in self.stage_options)
        return dict(stage_blocks=blocks, dilations=[[1] * n for n in blocks])

    def check_arch(self, arch: Dict) -> Dict:
        """Validate an architecture and return it normalised (tuples of ints)."""
        if not isinstance(arch, dict) or 'stage_blocks' not in arch:
            raise ValueError(f"an architecture is a dict with 'stage_blocks', got {arch!r}")
        blocks = tuple(int(n) for n in arch['stage_blocks'])
        if len(blocks) != len(self.stage_options) or any(
                n not in o for n, o in zip(blocks, self.stage_options)):
            raise ValueError(f'stage_blocks {blocks} is not in the supernet options {self.stage_options}')
        dils = arch.get('dilations') or [[1] * n for n in blocks]
        if len(dils) != len(blocks) or any(len(d) != n for d, n in zip(dils, blocks)):
            raise ValueError(f'dilations {dils!r} must give one dilation per block of {blocks}')
        if any(d not in self.dilation_choices and d != 1 for ds in dils for d in ds):
            raise ValueError(f'dilations {dils!r} use a value outside {self.dilation_choices}')
        return dict(stage_blocks=blocks, dilations=[[int(d) for d in ds] for ds in dils])

    def set_arch(self, arch: Dict) -> None:
        """Select the path that :meth:`forward` runs."""
        self.arch = self.check_arch(arch)

    def sample_arch(self, rng: random.Random) -> Dict:
        """Uniform single-path sample: a block count per stage, then a dilation per block."""
        blocks = tuple(rng.choice(o) for o in self.stage_options)
        return dict(stage_blocks=blocks,
                    dilations=[[rng.choice(self.dilation_choices) for _ in range(n)] for n in blocks])

    # Beam search over per-block dilations (Algorithm 1) sees the architecture as a list of decisions.
    def dilation_decisions(self, stage_blocks: Sequence[int]) -> List[Tuple[int, ...]]:
        """The choices of every block, in order, for a fixed allocation."""
        return [self.dilation_choices] * int(sum(stage_blocks))

    @staticmethod
    def arch_from_dilations(stage_blocks: Sequence[int], flat: Sequence[int]) -> Dict:
        """Fold a flat per-block dilation list back into an architecture."""
        dils, k = [], 0
        for n in stage_blocks:
            dils.append([int(d) for d in flat[k:k + n]])
            k += n
        return dict(stage_blocks=tuple(stage_blocks), dilations=dils)

    def path_state_dict(self, arch: Dict) -> Dict[str, torch.Tensor]:
        """The weights of one path under :class:`CRResNet`'s names (``layer{i}.{j}.*``), so that the
        CRResNet of ``arch`` (or a supernet whose options are that allocation) loads them 1:1."""
        arch = self.check_arch(arch)
        state = {k: v for k, v in self.state_dict().items() if not k.startswith(('layer', 'branches.'))}
        for i, n in enumerate(arch['stage_blocks']):
            for j, blk in enumerate(self._stage_path(i, n)):
                state.update({f'layer{i + 1}.{j}.{k}': v for k, v in blk.state_dict().items()})
        return state

    def _stage_path(self, i: int, n: int) -> Sequence[nn.Module]:
        largest = getattr(self, self.res_layers[i])
        if n == len(largest):
            return largest
        if self.branch_sharing == 'prefix':
            return list(largest)[:n]
        return self.branches[i][str(n)]

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, ...]:
        """Run the current path: (N, C, H, W) -> the feature maps of ``out_indices``."""
        if self.deep_stem:
            x = self.stem(x)
        else:
            x = self.relu(self.norm1(self.conv1(x)))
        x = self.maxpool(x)
        outs = []
        for i, (n, dils) in enumerate(zip(self.arch['stage_blocks'], self.arch['dilations'])):
            for blk, d in zip(self._stage_path(i, n), dils):
                set_block_dilation(blk, d)
                x = blk(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


MODELS.register_module(module=CRResNetSupernet)
MMDET_MODELS.register_module(module=CRResNetSupernet)
