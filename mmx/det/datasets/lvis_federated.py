"""LVIS v1 with its federated annotation lists kept per image.

LVIS is a *federated* dataset (Gupta et al., "LVIS: A Dataset for Large Vocabulary Instance
Segmentation", CVPR 2019, https://arxiv.org/abs/1908.03195): for each image, only some categories are
known to be exhaustively annotated. Besides the annotated (positive) categories, each image lists
``neg_category_ids`` (verified absent) and ``not_exhaustive_category_ids`` (present, but not every
instance is annotated). mmdet's ``LVISV1Dataset`` drops both lists; losses that treat unverified
categories differently (e.g. the LVIS 2019 winning entry, cross-dataset training) need them.
"""
from typing import List, Union

import numpy as np
from mmdet.datasets import LVISV1Dataset
from mmdet.registry import DATASETS

#: Keys this dataset adds to each data info; add them to ``PackDetInputs(meta_keys=...)`` to get them
#: into ``DetDataSample.metainfo``.
FEDERATED_KEYS = ('neg_labels', 'not_exhaustive_labels')


@DATASETS.register_module()
class LVISV1FederatedDataset(LVISV1Dataset):
    """mmdet's ``LVISV1Dataset`` that also keeps each image's federated category lists.

    Each data info gains ``neg_labels`` and ``not_exhaustive_labels``: int64 arrays of *label indices*
    (the same 0-based indices as ``gt_bboxes_labels``, i.e. mapped through ``cat2label``), sorted. An image
    without the lists (e.g. a COCO-style file) gets empty arrays. A category id that is not in the
    file's category list raises ``KeyError`` naming the image, rather than being dropped silently.

    To carry them into the data samples, extend the packing transform's meta keys, e.g.
    ``dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
    'scale_factor', 'flip', 'flip_direction', 'neg_labels', 'not_exhaustive_labels'))``.
    Accepts every argument of ``LVISV1Dataset``.
    """

    def parse_data_info(self, raw_data_info: dict) -> Union[dict, List[dict]]:
        data_info = super().parse_data_info(raw_data_info)
        img_info = raw_data_info['raw_img_info']
        for key, raw_key in zip(FEDERATED_KEYS, ('neg_category_ids', 'not_exhaustive_category_ids')):
            cat_ids = img_info.get(raw_key, [])
            unknown = [c for c in cat_ids if c not in self.cat2label]
            if unknown:
                raise KeyError(f'image {img_info["id"]} of {self.ann_file} lists {raw_key} {unknown} '
                               'that are not categories of the file')
            data_info[key] = np.array(sorted(self.cat2label[c] for c in cat_ids), dtype=np.int64)
        return data_info
