"""Log the class weights of every ``EqualizationLossV2`` of the model during training."""
from typing import Optional, Union

from mmdet.registry import HOOKS
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from ..losses.eqlv2 import EqualizationLossV2

DATA_BATCH = Optional[Union[dict, tuple, list]]


@HOOKS.register_module()
class EqualizationLossV2LoggerHook(Hook):
    """Put the mean EQLv2 weights (all classes and each LVIS group) into the message hub for logging.

    After every ``interval`` training iterations, for each :class:`EqualizationLossV2` in the model, the
    means of :meth:`EqualizationLossV2.group_weight_means` (the weights of the next step) are written as
    ``train/eqlv2_pos_w_r``, ``train/eqlv2_neg_w_f``, ...; the logger hook prints them. Several losses
    (Cascade R-CNN stages) get their module name appended (``train/eqlv2_pos_w_r/roi_head.bbox_head.1``).
    The groups are known when the loss was given ``ann_file``; otherwise only the overall means are logged.

    Args:
        interval (int): Log every this many iterations. Defaults to 1 (the logger's own interval then
            decides what is printed, as for the losses).
    """

    # before LoggerHook (BELOW_NORMAL), so that an iteration's log line already has the values
    priority = 'NORMAL'

    def __init__(self, interval: int = 1) -> None:
        if interval < 1:
            raise ValueError(f'interval must be >= 1, got {interval}')
        self.interval = interval

    def after_train_iter(self, runner, batch_idx: int, data_batch: DATA_BATCH = None,
                         outputs: Optional[dict] = None) -> None:
        if not self.every_n_train_iters(runner, self.interval):
            return
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        losses = [(name, m) for name, m in model.named_modules() if isinstance(m, EqualizationLossV2)]
        for name, loss in losses:
            suffix = '' if len(losses) == 1 else '/' + name.rsplit('.loss_cls', 1)[0]
            for key, value in loss.group_weight_means().items():
                runner.message_hub.update_scalar(f'train/eqlv2_{key}{suffix}', value)

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(interval={self.interval})'
