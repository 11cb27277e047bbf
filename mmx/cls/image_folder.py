"""A dataset of images stored one folder per class (the ImageNet training layout)."""
import logging
import os
import os.path as osp
from typing import List, Sequence

from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from mmx.registry import DATASETS

__all__ = ['ImageFolderDataset']

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.tif', '.tiff', '.webp')


@DATASETS.register_module()
class ImageFolderDataset(BaseDataset):
    """Images in ``<data_root>/<data_prefix.img_path>/<class_name>/<image>``.

    Class names are the sub-folder names, sorted, unless ``metainfo=dict(classes=...)`` fixes them (then
    exactly those folders are read, in that order). Files are scanned recursively inside each class
    folder and kept when their extension (case-insensitive) is in ``extensions``. Each item holds
    ``img_path`` and ``gt_label``; load the pixels in the pipeline, e.g. with mmcv's
    ``LoadImageFromFile``.

    Unlike mmpretrain's ``CustomDataset`` this class reads no annotation file: the folder is the
    annotation.

    Args:
        extensions (Sequence[str]): accepted file extensions. Defaults to common image formats.
        **kwargs: the arguments of :class:`mmengine.dataset.BaseDataset`; the folder is
            ``data_root`` joined with ``data_prefix['img_path']``.

    Raises:
        FileNotFoundError: the folder, or a class folder named in ``metainfo``, does not exist.
        ValueError: the folder has no class sub-folders, or no images at all.
    """

    def __init__(self, extensions: Sequence[str] = IMG_EXTENSIONS, **kwargs):
        self.extensions = tuple(ext.lower() for ext in extensions)
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        """Scan the folder.

        Returns:
            list[dict]: ``dict(img_path=str, gt_label=int)`` per image, sorted by class then path.
        """
        root = self.data_prefix.get('img_path') or self.data_root
        if not root or not osp.isdir(root):
            raise FileNotFoundError(f'ImageFolderDataset: image folder {root!r} does not exist')
        classes = self._metainfo.get('classes')
        if classes is None:
            classes = tuple(sorted(e.name for e in os.scandir(root) if e.is_dir()))
            if not classes:
                raise ValueError(f'ImageFolderDataset: {root!r} has no class sub-folders '
                                 '(expected <root>/<class_name>/<image>)')
            self._metainfo['classes'] = classes

        data_list = []
        for label, name in enumerate(classes):
            class_dir = osp.join(root, name)
            if not osp.isdir(class_dir):
                raise FileNotFoundError(f'ImageFolderDataset: class folder {class_dir!r} does not exist')
            paths = sorted(self._scan_images(class_dir))
            if not paths:
                print_log(f'ImageFolderDataset: class {name!r} has no images in {class_dir!r}',
                          logger='current', level=logging.WARNING)
            data_list.extend(dict(img_path=p, gt_label=label) for p in paths)
        if not data_list:
            raise ValueError(f'ImageFolderDataset: no images with extensions {self.extensions} '
                             f'under {root!r}')
        return data_list

    def _scan_images(self, folder: str) -> List[str]:
        """All files under ``folder`` (recursively) whose extension is accepted."""
        return [
            osp.join(dirpath, f) for dirpath, _, files in os.walk(folder, followlinks=True) for f in files
            if f.lower().endswith(self.extensions)
        ]
