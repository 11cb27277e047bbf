# Quick start:  make demo   (install, toy LVIS data, train a tiny Mask R-CNN with the Equalization Loss on the
#                            CPU, LVIS AP/APr/APc/APf)
#               make test   (install, run the test suite)
# Both install what is missing into $(VENV) first (tools/install.sh; seconds when nothing is missing).
VENV ?= .venv
PY := $(VENV)/bin/python
MIM := $(VENV)/bin/mim
DEMO_CONFIG ?= mask-rcnn_r18-tiny_fpn_eql_3e_toy-lvis.py
DEMO_DIR ?= work_dirs/demo
PYTEST_ARGS ?=

.PHONY: install demo test toy-data

install:
	@bash tools/install.sh $(VENV)

toy-data: install
	$(PY) tools/data/toy_lvis.py --out data/toy_lvis

# Training ends with an evaluation on the val split (LVISMetric); the summary prints and plots it.
# Evaluate a checkpoint again with: $(MIM) test mmx $(DEMO_CONFIG) --checkpoint CKPT --work-dir DIR
demo: toy-data
	$(MIM) train mmx $(DEMO_CONFIG) --work-dir $(DEMO_DIR)
	$(PY) tools/analysis/lvis_summary.py $(DEMO_DIR)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)
