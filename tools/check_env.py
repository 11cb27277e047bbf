"""Check that the environment holds the exact stack mmx is tested with.

Exits 0 when it does, 1 (with one line per problem) when it does not. Used by ``tools/install.sh`` to
make a second install a matter of seconds; safe to run by hand: ``python tools/check_env.py``.
"""
import argparse
import importlib
import sys
from importlib import metadata

# distribution -> required version ('' = any version)
REQUIRED = {
    'torch': '2.13.0',
    'mmcv': '2.1.0',
    'mmengine': '0.10.7',
    'mmdet': '3.3.0',
    'mmaction2': '1.2.0',
    'lvis': '0.5.3',
    'openmim': '0.3.9',
    'pycocotools': '',
    'importlib-metadata': '',
    'scikit-learn': '',
    'decord': '',
    'einops': '',
    'pytest': '',
    'model-index': '',
    'rich': '',
    'pandas': '',
}


def problems() -> list:
    found = []
    for dist, want in REQUIRED.items():
        try:
            have = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found.append(f'{dist} is not installed')
            continue
        if want and have.split('+')[0] != want:
            found.append(f'{dist} {have} is installed, mmx needs {want}')
    try:
        setuptools_major = int(metadata.version('setuptools').split('.')[0])
        if setuptools_major >= 82:
            found.append('setuptools >= 82 has no pkg_resources, which mim and mmengine 0.10.7 need')
    except metadata.PackageNotFoundError:
        found.append('setuptools is not installed')
    try:
        importlib.import_module('mmcv._ext')
    except ImportError as err:
        found.append(f'mmcv has no compiled ops ({err}); mmdet.models cannot import')
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--quiet', action='store_true', help='print nothing, only set the exit code')
    args = parser.parse_args()
    found = problems()
    if not args.quiet:
        for line in found:
            print(f'[mmx check_env] {line}')
        if not found:
            print('[mmx check_env] environment is complete')
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
