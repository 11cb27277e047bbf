"""What tools/train.py and tools/test.py both do to a config before building the Runner."""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def load_run_config(config: str, launcher: str = 'none', work_dir: Optional[str] = None,
                    cfg_options: Optional[dict] = None) -> Config:
    """Load ``config`` and apply the command-line options common to training and testing.

    Args:
        config: Path of the config file.
        launcher: 'none', 'pytorch', 'slurm' or 'mpi'.
        work_dir: Overrides ``cfg.work_dir``; by default ``./work_dirs/<config name>``.
        cfg_options: Key-value pairs merged into the config (``--cfg-options``).

    Returns:
        Config: The config, with ``launcher`` and ``work_dir`` set. On a machine without CUDA, a
        distributed launch uses the gloo backend (OpenMMLab runtimes default to nccl, which needs GPUs)
        and a DDP wrapper without ``device_ids`` (mmengine's Runner passes ``device_ids=[LOCAL_RANK]``,
        which DDP rejects for CPU modules).
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'config file {config} does not exist')
    cfg = Config.fromfile(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    if launcher != 'none':
        import torch
        if not torch.cuda.is_available():
            cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})['backend'] = 'gloo'
            wrapper = cfg.get('model_wrapper_cfg', None) or dict(
                type='MMDistributedDataParallel', broadcast_buffers=False,
                find_unused_parameters=cfg.get('find_unused_parameters', False))
            wrapper['device_ids'] = None
            cfg.model_wrapper_cfg = wrapper
    return cfg
