"""Moving Average Batch Normalization (MABN).

Paper: `Towards Stabilizing Batch Statistics in Backward Propagation of Batch Normalization
<https://arxiv.org/abs/2001.06838>`_, Yan et al., ICLR 2020. Official code: github.com/megvii-model/MABN.

Shape shorthand: N batch, C channels, ``*`` any spatial dims; statistics are per channel, (C,), and are
averaged over the M = N * prod(*) values of a channel.

The paper's four changes to training-mode BN, with its symbols:

* no centring: the forward divides by χ = sqrt(E[x²]) (the second moment ξ_t of the batch), and the
  backward drops the mean-gradient term, so ``∂L/∂x = (g − z·Ψ) / χ`` with ``g = γ·r·∂L/∂y``, ``z = x/χ``
  and ``Ψ`` the statistic ψ_t = mean(g·z) of the backward;
* χ² and Ψ are simple moving averages (SMA) over the last m iterations instead of the batch's own;
* an exponential moving average (EMA) of χ² is kept for inference, which is therefore the plain affine map
  ``γ·x/sqrt(running_var + eps) + β`` (BN's eval with ``running_mean ≡ 0``: it folds into the conv);
* BRN's renormalisation factor r = χ_SMA/χ_EMA (no gradient) makes training use the EMA scale; r ≡ 1 during
  a warm-up, clamped to [1/r_max, r_max] afterwards.
"""
import math
import warnings
from functools import wraps
from typing import Callable, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.nn.modules.batchnorm import _BatchNorm

from mmx.registry import NEUTRAL_MODELS

__all__ = ['MABN', 'keep_mabn_out_of_sync_bn', 'mabn_normalize', 'second_moment']

PsiFn = Callable[[Tensor], Tensor]
_HALF_DTYPES = (torch.float16, torch.bfloat16)


def _channel_dims(x: Tensor) -> Tuple[int, ...]:
    return (0, *range(2, x.dim()))


def second_moment(x: Tensor) -> Tensor:
    """The forward statistic ξ = E[x²] of every channel, in at least float32 precision.

    float32 for float16/bfloat16 inputs because x² overflows float16 for |x| > 256 (AMP).

    Args:
        x (Tensor): (N, C, *) input.

    Returns:
        Tensor: (C,) mean of x² over N and the spatial dims, float32 (float64 for float64 inputs).
        Not differentiable.
    """
    xf = x.detach()
    if xf.dtype in _HALF_DTYPES:
        xf = xf.float()
    # sum, then divide: a multi-dimensional mean costs twice a sum on small CPU tensors
    return (xf * xf).sum(_channel_dims(x)).div_(x.numel() // x.shape[1])


class _MABNFunction(torch.autograd.Function):
    """y = scale·x + β with the paper's backward; the statistics come in as constants.

    ``stats = (scale, rinv, inv_chi, psi_fn, token)``: ``scale = γ·r/χ``, ``rinv = r/χ``, ``inv_chi = 1/χ``,
    (C,) tensors in the statistics dtype, no gradient; ``psi_fn`` maps the batch's ψ_t to the Ψ the
    backward uses (and records ψ_t), called as ``psi_fn(ψ_t, *token)``; None uses ψ_t itself. It gets None
    for ψ_t when ∂L/∂x is not needed. The constants travel in one tuple, not as Function inputs: the
    autograd engine then has 3 inputs to track instead of 8 (a third of the call's cost on small tensors).
    """

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, bias: Tensor, stats: tuple) -> Tensor:
        ctx.save_for_backward(x)
        ctx.stats = stats
        scale = stats[0]
        view = [1, -1] + [1] * (x.dim() - 2)
        dtype = scale.dtype
        if x.dtype != dtype or bias.dtype != dtype:  # AMP: compute in float32, return the input dtype
            return torch.addcmul(bias.to(dtype).view(view), x.to(dtype), scale.view(view)).to(x.dtype)
        return torch.addcmul(bias.view(view), x, scale.view(view))  # (grad mode is off in here)

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        x, = ctx.saved_tensors
        scale, rinv, inv_chi, psi_fn, token = ctx.stats
        x_dtype = x.dtype
        dims = (0, *range(2, x.dim()))
        view = [1, -1] + [1] * (x.dim() - 2)
        if x_dtype != scale.dtype:
            grad_out, x = grad_out.to(scale.dtype), x.to(scale.dtype)
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        sum_gx = (grad_out * x).sum(dims) if need_x or need_w else None
        if need_x:
            # g·z = ∂L/∂y · x · γ r/χ, so ψ_t = mean(g·z) needs no extra pass over the data
            psi = torch.mul(sum_gx, scale).mul_(x.shape[1] / x.numel())
            psi_used = psi if psi_fn is None else psi_fn(psi, *token)
            # (g − z·Ψ)/χ = ∂L/∂y·(γ r/χ) − x·(Ψ/χ²)
            coef = torch.mul(inv_chi, psi_used).mul_(inv_chi)
            grad_x = torch.addcmul(grad_out * scale.view(view), x, coef.view(view), value=-1)
            if x_dtype != grad_x.dtype:
                grad_x = grad_x.to(x_dtype)
        elif psi_fn is not None:
            psi_fn(None, *token)  # no ψ_t without ∂L/∂x, but the hook learns that the backward came
        if need_w:
            grad_w = sum_gx * rinv  # Σ ∂L/∂y · r·z
        if need_b:
            grad_b = grad_out.sum(dims)
        return grad_x, grad_w, grad_b, None


def mabn_normalize(x: Tensor,
                   weight: Tensor,
                   bias: Tensor,
                   inv_chi: Tensor,
                   r: Optional[Tensor] = None,
                   psi_fn: Optional[PsiFn] = None) -> Tensor:
    """MABN's training-mode normalisation for given statistics, with the paper's backward.

    Forward: ``y = γ·r·x/χ + β``. Backward: ``∂L/∂x = (g − z·Ψ)/χ`` with ``g = γ·r·∂L/∂y``, ``z = x/χ``;
    ``∂L/∂γ = Σ ∂L/∂y·r·z``, ``∂L/∂β = Σ ∂L/∂y``; no gradient flows into χ or r. When χ² is the batch's own
    ξ_t, r is constant and Ψ = ψ_t (``psi_fn=None``), this is the exact gradient of ``γ·r·x/χ(x) + β``.

    The arithmetic runs in the dtype of ``inv_chi`` (float32 under AMP); y and ∂L/∂x have the dtype of x.

    Args:
        x (Tensor): (N, C, *) input.
        weight (Tensor): (C,) γ.
        bias (Tensor): (C,) β.
        inv_chi (Tensor): (C,) ``1/sqrt(χ² + eps)``, no gradient; float32 (or float64).
        r (Tensor, optional): (C,) renormalisation factor, no gradient. Defaults to None (r = 1).
        psi_fn (callable, optional): maps the batch's ψ_t = mean(g·z), (C,), to the Ψ of the backward
            (e.g. records ψ_t and returns the SMA); called with None when no ∂L/∂x is needed.
            Defaults to None (Ψ = ψ_t).

    Returns:
        Tensor: (N, C, *) y.
    """
    rinv = inv_chi if r is None else r * inv_chi
    scale = weight.detach().to(rinv.dtype) * rinv
    return _MABNFunction.apply(x, weight, bias, (scale, rinv, inv_chi, psi_fn, ()))


def _in_backward_pass() -> bool:
    """True while the autograd engine runs a backward: a forward there is an activation-checkpointing
    recomputation (reentrant or not), which must not change the statistics."""
    return torch._C._current_graph_task_id() != -1


class _StepState:
    """What MABN tracks between calls and between forward and backward (see MABN's "Steps")."""

    __slots__ = ('step', 'open', 'chi2_pool', 'chi2_count', 'psi_pool', 'psi_count', 'psi_step',
                 'running_var_start', 'inv_chi_ema', 'backward_done', 'stash', 'mean_version')

    def __init__(self, step: int = 0) -> None:
        self.step = step  # training steps so far (mirrored in num_batches_tracked)
        self.open = False  # a step is open: forwards since the last backward
        self.chi2_pool: Optional[Tensor] = None  # ξ pooled over the open step's calls, and their size
        self.chi2_count = 0
        self.psi_pool: Optional[Tensor] = None  # the same for ψ, in the backward of step psi_step
        self.psi_count = 0
        self.psi_step = -1
        self.running_var_start: Optional[Tensor] = None  # the EMA before the open step
        self.inv_chi_ema: Optional[Tensor] = None  # 1/sqrt(running_var_start + eps), once renormalising
        self.backward_done = False
        self.stash: List[Tuple[torch.Size, tuple]] = []  # (input shape, Function arguments) per call
        self.mean_version = -1  # running_mean._version when last zeroed


@NEUTRAL_MODELS.register_module()
class MABN(_BatchNorm):
    """Moving Average Batch Normalization, a drop-in for BN at small batch sizes.

    `Towards Stabilizing Batch Statistics in Backward Propagation of Batch Normalization
    <https://arxiv.org/abs/2001.06838>`_ (Yan et al., ICLR 2020). Use it as ``norm_cfg=dict(type='MABN')``
    in any mmdet/mmaction2/mmengine model, with ``conv_cfg=dict(type='CenConv2d')`` (weight centring keeps
    the conv outputs near zero mean, which MABN no longer subtracts). Works on (N, C, *) inputs (1d/2d/3d).

    Training, at step t (counted in optimisation steps, see below):

    1. ξ_t = E[x²] per channel (float32) goes into slot ``t % m`` of ``sma_chi2``;
    2. χ² = ξ_t while ``t <= m`` or ``t < warmup_iters``, afterwards the SMA, the mean of ``sma_chi2``;
    3. r = sqrt((χ² + eps)/(running_var + eps)), fixed to 1 while ``t <= max(renorm_warmup_iters,
       warmup_iters)``, clamped to [1/r_max, r_max] afterwards; y = γ·r·x/χ + β (:func:`mabn_normalize`);
    4. ``running_var`` ← EMA of χ² (PyTorch's momentum convention: ``momentum`` is the weight of the new
       value; the paper's "0.98" is ``momentum=0.02``);
    5. backward: ψ_t = mean(g·z) goes into slot ``t % m`` of ``sma_psi``; Ψ = ψ_t during the warm-up,
       the SMA of ``sma_psi`` afterwards.

    Inference is BN's eval (``F.batch_norm`` with ``running_mean`` = 0), so ``fuse_conv_bn``,
    ``efficient_conv_bn_eval``, ONNX export, ``norm_eval``, frozen stages, ``norm_decay_mult`` and
    the ``bn1``-style names work as with BN (MABN is a ``_BatchNorm``).

    What a step is, and the engineering the official code lacks:

    * **Steps, not calls.** A training forward opens a step; the step ends when the backward reaches
      this layer, or at once if the forward needs no gradient (``torch.no_grad`` recalibration). Several
      calls before the backward (a head shared across FPN levels) belong to one step: their statistics
      are pooled (weighted by element count) into the step's SMA slot, and the warm-ups count steps.
      Gradient accumulation makes each micro-batch a step. A training forward whose output is never
      back-propagated does not end the step: put such passes in ``eval()`` or ``no_grad``.
    * **Activation checkpointing.** A forward during the backward pass is a recomputation: it reuses the
      statistics of the original call (last in, first out) and changes nothing. A checkpointed segment that
      calls the same MABN twice is not supported (a shape mismatch is reported). Reentrant checkpointing
      (torch's default, mmdet's ``with_cp``) runs the first forward under ``no_grad``, which ends a step:
      a layer called k times per iteration that way counts k steps (as the official code does), so use
      ``use_reentrant=False`` for shared layers.
    * **No host synchronisation**: the step counter is a Python int (:attr:`step`), written into
      ``num_batches_tracked`` by ``state_dict()`` and read back by ``load_state_dict()``; the schedules
      branch on it; no ``.item()`` per layer per step.
    * **AMP**: statistics and the renormalisation in float32, y and ∂L/∂x in the input dtype.
    * **Empty and non-finite batches**: an empty batch (no RoIs) returns the eval affine and updates
      nothing. With float16/bfloat16 inputs (AMP), a channel whose ξ_t or ψ_t is not finite (an overflow,
      a step that the loss scaler skips) keeps its SMA slot and EMA. In float32 a non-finite statistic
      means that the run has diverged, and the check, a few operations per call, is skipped.
    * **Checkpoints**: all statistics are buffers (``running_var``, ``sma_chi2``, ``sma_psi``,
      ``num_batches_tracked``). A BatchNorm checkpoint also loads: γ, β and the running statistics are
      taken (BN's eval until the first training step, which zeroes ``running_mean``), the step counter
      restarts at 0. Call :meth:`reset_running_stats` to restart the statistics of a pretrained MABN.
    * **DDP**: statistics are per process, as in the paper (8 GPUs x 2 images); gradients are averaged by
      DDP as usual. Keep ``broadcast_buffers=False`` (mmengine's default): True copies rank 0's buffers
      to every rank before each forward. ``SyncBuffersHook`` averages the buffers across ranks, which is
      harmless (the mean of E[x²] is the pooled E[x²]). ``sync_bn`` conversion skips MABN layers.

    Args:
        num_features (int): C.
        eps (float): added to χ² and to ``running_var``. Defaults to 1e-5.
        momentum (float): EMA weight of the new χ² in ``running_var``, in (0, 0.5). Defaults to 0.02, the
            paper's 0.98 in its "keep" convention.
        buffer_size (int): m, the SMA window in steps; the paper's ``real_B // B`` (32 // 2).
            Defaults to 16.
        warmup_iters (int): steps that use the batch's own statistics before the SMAs. Defaults to 100.
        renorm_warmup_iters (int): steps with r = 1. Defaults to 1000.
        r_max (float): r is clamped to [1/r_max, r_max]. Defaults to 5.0.
    """

    _abbr_ = 'bn'

    def __init__(self,
                 num_features: int,
                 eps: float = 1e-5,
                 momentum: float = 0.02,
                 buffer_size: int = 16,
                 warmup_iters: int = 100,
                 renorm_warmup_iters: int = 1000,
                 r_max: float = 5.0) -> None:
        if momentum is None or not 0 < momentum < 0.5:
            raise ValueError(f'MABN momentum must be in (0, 0.5), the weight of the new value as in PyTorch, '
                             f'got {momentum} (the paper\'s 0.98 is momentum=0.02)')
        if not isinstance(buffer_size, int) or buffer_size < 1:
            raise ValueError(f'MABN buffer_size must be a positive int, got {buffer_size!r}')
        if warmup_iters < 0 or renorm_warmup_iters < 0:
            raise ValueError('MABN warmup_iters and renorm_warmup_iters must be >= 0, got '
                             f'{warmup_iters} and {renorm_warmup_iters}')
        if not r_max >= 1:
            raise ValueError(f'MABN r_max must be >= 1, got {r_max}')
        self.buffer_size = buffer_size
        self.warmup_iters = warmup_iters
        self.renorm_warmup_iters = renorm_warmup_iters
        self.r_max = float(r_max)
        super().__init__(num_features, eps, momentum, affine=True, track_running_stats=True)
        # SMA windows of the forward statistic ξ_t (E[x²]) and of the backward statistic ψ_t, one row a step
        self.register_buffer('sma_chi2', torch.zeros(buffer_size, num_features))
        self.register_buffer('sma_psi', torch.zeros(buffer_size, num_features))
        self._reset_step_state()

    def _reset_step_state(self, step: int = 0) -> None:
        # a plain object: attribute writes on an nn.Module cost microseconds each, several per call
        self._state = _StepState(step)

    def reset_running_stats(self) -> None:
        """Restart the statistics: EMA, SMA buffers and the step counter (warm-ups run again)."""
        super().reset_running_stats()
        if 'sma_chi2' in self._buffers:  # not yet registered when _BatchNorm.__init__ calls this
            self.sma_chi2.zero_()
            self.sma_psi.zero_()
            self._reset_step_state()

    @property
    def step(self) -> int:
        """The number of training steps seen (restored from checkpoints)."""
        return self._state.step

    def _check_input_dim(self, x: Tensor) -> None:
        if x.dim() < 2 or x.shape[1] != self.num_features:
            raise ValueError(f'MABN({self.num_features}) expects (N, {self.num_features}, *) inputs, '
                             f'got shape {tuple(x.shape)}')

    def extra_repr(self) -> str:
        return (f'{self.num_features}, eps={self.eps}, momentum={self.momentum}, '
                f'buffer_size={self.buffer_size}, warmup_iters={self.warmup_iters}, '
                f'renorm_warmup_iters={self.renorm_warmup_iters}, r_max={self.r_max}')

    def forward(self, x: Tensor) -> Tensor:
        """Normalise x: (N, C, *) -> (N, C, *)."""
        if x.dim() < 2 or x.shape[1] != self.num_features:
            self._check_input_dim(x)  # raises
        if not self.training or x.numel() == 0:
            # inference; an empty batch has no statistics, and this keeps γ and β in the graph
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0,
                                self.eps)
        if _in_backward_pass():
            return self._recompute(x)
        state = self._state
        if not state.open:
            self._start_step(state)
        m, step = self.buffer_size, state.step
        count = x.numel() // x.shape[1]
        use_sma = step > m and step >= self.warmup_iters
        # Only buffers and detached tensors below: no autograd graph is recorded. Written for op count:
        # this layer also runs on tiny tensors, where every operation costs more than its arithmetic.
        xd = x.detach()
        half = xd.dtype in _HALF_DTYPES
        if half:
            xd = xd.float()
        sma_chi2 = self.sma_chi2
        slot = sma_chi2[step % m]
        squares, dims = xd.square(), (0, *range(2, x.dim()))
        finite = None
        if state.chi2_count == 0 and not half and squares.dtype == slot.dtype:
            xi = pooled = torch.mean(squares, dims, out=slot)  # the step's first call: ξ_t straight into its slot
        else:
            xi = squares.mean(dims)
            pooled = xi if state.chi2_count == 0 else torch.lerp(state.chi2_pool, xi,
                                                                count / (state.chi2_count + count))
            # AMP: a non-finite channel (float16 overflow upstream) keeps its old statistics; ξ_t >= 0
            if half:
                finite = pooled < math.inf
                torch.where(finite, pooled, slot, out=slot)
            else:
                slot.copy_(pooled)
        state.chi2_pool, state.chi2_count = pooled, state.chi2_count + count
        if use_sma:
            chi2 = chi2_step = sma_chi2.mean(0, dtype=xi.dtype)
        else:
            chi2, chi2_step = xi, pooled
        inv_chi = chi2.add(self.eps).rsqrt_()
        running_var = state.running_var_start
        if step > max(self.renorm_warmup_iters, self.warmup_iters):
            # r = χ_SMA/χ_EMA, clamped; only r/χ is needed
            rinv = torch.div(state.inv_chi_ema, inv_chi).clamp_(1 / self.r_max, self.r_max).mul_(inv_chi)
        else:
            rinv = inv_chi
        if half:
            torch.where(finite, torch.lerp(running_var, chi2_step, self.momentum), running_var,
                        out=self.running_var)
        else:
            torch.lerp(running_var, chi2_step, self.momentum, out=self.running_var)
        weight = self.weight
        scale = weight.detach().to(rinv.dtype) * rinv  # (.to is a no-op when the dtypes agree)
        factors = (scale, rinv, inv_chi, self._record_psi, (step, count, use_sma, half))
        y = _MABNFunction.apply(x, weight, self.bias, factors)
        needs_backward = y.grad_fn is not None
        if needs_backward or not torch.is_grad_enabled():
            # kept for an activation-checkpointing recomputation of this call
            state.stash.append((x.shape, factors))
            if len(state.stash) > 64:
                del state.stash[0]
        if not needs_backward:
            state.open = False  # no backward will come: this forward was a step of its own
        return y

    def _start_step(self, state: '_StepState') -> None:
        state.step += 1
        running_mean = self.running_mean
        if running_mean._version != state.mean_version:
            # ≡ 0 by definition; written from outside (a BN checkpoint copied in), so zeroed
            running_mean.zero_()
            state.mean_version = running_mean._version
        running_var = self.running_var
        state.running_var_start = (running_var.float()
                                   if running_var.dtype in _HALF_DTYPES else running_var.clone())
        if state.step > max(self.renorm_warmup_iters, self.warmup_iters):
            state.inv_chi_ema = state.running_var_start.add(self.eps).rsqrt_()
        state.chi2_pool, state.chi2_count = None, 0
        if state.backward_done:
            state.stash.clear()
            state.backward_done = False
        state.open = True

    def _recompute(self, x: Tensor) -> Tensor:
        state = self._state
        if not state.stash:
            raise RuntimeError('MABN: a forward during the backward pass (activation checkpointing) found no '
                               'statistics of an earlier call to reuse')
        shape, factors = state.stash.pop()
        if shape != x.shape:
            raise RuntimeError(f'MABN: the recomputed call has shape {tuple(x.shape)} but the statistics to '
                               f'reuse come from a call of shape {tuple(shape)}; a checkpointed segment that '
                               'calls the same MABN several times is not supported')
        return _MABNFunction.apply(x, self.weight, self.bias, factors)

    def _record_psi(self, psi: Optional[Tensor], step: int, count: int, use_sma: bool,
                    guard: bool) -> Optional[Tensor]:
        """Backward hook of one call: end the step, pool ψ_t into its SMA slot, return the Ψ to use."""
        state = self._state
        if step == state.step:  # else a late backward of an earlier step: its slot is not ours to write
            state.open = False
            state.backward_done = True
            if psi is not None:
                if state.psi_step != step:
                    pooled, state.psi_count, state.psi_step = psi, count, step
                else:
                    pooled = torch.lerp(state.psi_pool, psi, count / (state.psi_count + count))
                    state.psi_count += count
                state.psi_pool = pooled
                slot = self.sma_psi[step % self.buffer_size]
                if guard:
                    torch.where(pooled.abs() < math.inf, pooled, slot, out=slot)
                else:
                    slot.copy_(pooled)
        if psi is None:
            return None
        return self.sma_psi.mean(0, dtype=psi.dtype) if use_sma else psi

    def _save_to_state_dict(self, destination, prefix, keep_vars) -> None:
        self.num_batches_tracked.fill_(self._state.step)  # the mirror is written here, not every step
        super()._save_to_state_dict(destination, prefix, keep_vars)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                              error_msgs) -> None:
        if prefix + 'running_var' in state_dict and prefix + 'sma_chi2' not in state_dict:
            # a BatchNorm checkpoint: keep γ, β and its statistics, restart the SMA buffers and the steps
            warnings.warn('MABN: loading a BatchNorm checkpoint (no SMA buffers): the step counter restarts '
                          'at 0 and running_mean is zeroed at the first training step')
            state_dict[prefix + 'sma_chi2'] = torch.zeros_like(self.sma_chi2)
            state_dict[prefix + 'sma_psi'] = torch.zeros_like(self.sma_psi)
            state_dict[prefix + 'num_batches_tracked'] = torch.zeros_like(self.num_batches_tracked)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)
        key = prefix + 'num_batches_tracked'
        if key in state_dict and state_dict[key].numel() == 1:
            self._reset_step_state(int(state_dict[key]))  # one host read per load, not per step


def _skip_mabn(convert: Callable, takes_cls: bool = False) -> Callable:
    """Wrap a ``convert_sync_batchnorm`` so that it returns MABN layers unchanged (MABN is a _BatchNorm, so
    the converters would replace it by SyncBN and drop its SMA statistics)."""
    if getattr(convert, '_mmx_skips_mabn', False):
        return convert

    @wraps(convert)
    def wrapper(*args, **kwargs):
        module = args[1] if takes_cls else args[0]
        return module if isinstance(module, MABN) else convert(*args, **kwargs)

    wrapper._mmx_skips_mabn = True
    return wrapper


def keep_mabn_out_of_sync_bn() -> None:
    """Make torch's and mmengine's ``convert_sync_batchnorm`` (``sync_bn='torch'|'mmcv'`` in a config) skip
    MABN layers, whose statistics are per process by design. Idempotent; ``import mmx`` calls it."""
    import mmengine._strategy.distributed
    import mmengine.model
    import mmengine.model.utils
    import mmengine.runner.runner

    sync_bn = torch.nn.SyncBatchNorm
    sync_bn.convert_sync_batchnorm = classmethod(
        _skip_mabn(sync_bn.__dict__['convert_sync_batchnorm'].__func__, takes_cls=True))
    # mmengine's function recurses through its module-level name, so that name is wrapped too
    wrapped = _skip_mabn(mmengine.model.utils.convert_sync_batchnorm)
    for namespace in (mmengine.model.utils, mmengine.model, mmengine.runner.runner,
                      mmengine._strategy.distributed):
        namespace.convert_sync_batchnorm = wrapped
