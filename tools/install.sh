#!/usr/bin/env bash
# Install mmx and the exact OpenMMLab stack it is tested with into a virtual environment.
#
#   bash tools/install.sh [VENV]        (default: .venv in the repository root)
#
# Idempotent: when everything is already present it only checks versions (seconds).
# A fresh machine compiles mmcv's CPU ops once (~16 min on 2 cores); pip keeps the wheel in its
# cache, so later environments on the same machine install it in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-${MMX_VENV:-.venv}}
PYTHON=${PYTHON:-python3}

if [ ! -x "$VENV/bin/python" ]; then
  echo "[mmx install] creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q)

# Versions. Why each pin:
# - torch 2.13.0: mmcv 2.1.0's ops build with -std=c++17, and torch >= 2.14 needs C++20 (pytorch#178150,
#   mmcv#3341); mmcv's compiled ops are tied to the torch ABI they were built against.
# - mmcv 2.1.0 with ops: mmdet 3.3 / mmaction2 1.2 assert mmcv < 2.2.0 (mmdet#11763); mmdet.models needs mmcv._ext.
# - setuptools < 82: mim, mmengine's `mmdet::` config lookup and mmcv's setup.py import pkg_resources
#   (removed in setuptools 82, pypa/setuptools#3085).
# - mmaction2 and openmim go in with --no-deps: mmaction2 pulls opencv-contrib-python (a second cv2 beside
#   mmcv's opencv-python), openmim pulls openxlab, which downgrades setuptools to 60.x.
TORCH=2.13.0
STACK=("mmengine==0.10.7" "mmdet==3.3.0" "lvis==0.5.3" "pycocotools>=2.0.8" "importlib-metadata"
       "scikit-learn" "matplotlib" "einops" "scipy" "decord==0.6.0" "opencv-python"
       "click<9.1" "colorama" "model-index" "pandas" "requests" "rich" "tabulate" "tqdm" "pytest")

if "$PY" tools/check_env.py --quiet 2>/dev/null; then
  echo "[mmx install] environment $VENV is complete"
else
  echo "[mmx install] installing build tools and torch==$TORCH"
  "${PIP[@]}" "setuptools>=69,<82" wheel ninja psutil "numpy>=2,<2.5" "torch==$TORCH"
  if ! "$PY" -c "import mmcv, mmcv._ext; assert mmcv.__version__ == '2.1.0'" 2>/dev/null; then
    echo "[mmx install] installing mmcv 2.1.0 with CPU ops (compiles once per machine, ~16 min on 2 cores)"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" --no-build-isolation mmcv==2.1.0
    if ! "$PY" -c "import mmcv._ext" 2>/dev/null; then
      # A wheel cached from a build without ops: rebuild it, bypassing the cache.
      echo "[mmx install] cached mmcv has no ops; rebuilding"
      MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" --no-build-isolation --no-cache-dir \
        --force-reinstall --no-deps mmcv==2.1.0
    fi
  fi
  echo "[mmx install] installing mmdet, mmaction2, lvis, openmim and friends"
  "${PIP[@]}" "${STACK[@]}"
  "${PIP[@]}" --no-deps mmaction2==1.2.0 openmim==0.3.9
  "$PY" tools/check_env.py
fi

# mmx itself: a regular (non-editable) install, so that `mim train mmx ...` finds mmx/.mim in site-packages.
# Reinstalled whenever a packaged file is newer than the last install.
STAMP="$VENV/.mmx-installed"
if [ ! -f "$STAMP" ] || [ -n "$(find mmx configs tools setup.cfg pyproject.toml model-index.yml -newer "$STAMP" -print -quit)" ]; then
  echo "[mmx install] installing mmx from $(pwd)"
  "${PIP[@]}" --no-deps --no-build-isolation --force-reinstall .
  rm -rf build ./*.egg-info
  touch "$STAMP"
fi
