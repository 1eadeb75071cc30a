# Two commands for a new user: `make lab` and `make test`. Both create .venv from
# pyproject.toml when it is missing or older than pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# CI also runs the unit and magic tests on Python 3.13 (sys.monitoring-based profilers).
PY313 ?= $(or $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13.0/bin/python),$(wildcard $(HOME)/.pyenv/versions/3.13.0/bin/python),$(shell command -v python3.13),python3.13)
VENV313 ?= .venv313
VENV_BENCH ?= .venv-bench
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: setup venvs lab test lint typecheck unit magics packaging notebooks browser bench bench-unseen bench-smoke test-py313 clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,dask]'
	touch $(STAMP)

# speedscope's published file-format schema, which the export tests validate against:
# taken from speedscope's npm package (npm pack, by name), kept in the venv.
SPEEDSCOPE_SCHEMA := $(VENV)/speedscope/file-format-schema.json
SPEEDSCOPE := speedscope@1.25.0
$(SPEEDSCOPE_SCHEMA):
	mkdir -p $(dir $@)
	cd $(dir $@) && npm pack --silent $(SPEEDSCOPE) >/dev/null && \
		tar xzf speedscope-*.tgz package/dist/release/file-format-schema.json && \
		mv package/dist/release/file-format-schema.json . && rm -rf package speedscope-*.tgz

setup: $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 $(ROOT_FLAG) notebooks/

# The static checks and the packaging test time nothing and share nothing: side by side.
test: setup
	$(MAKE) -j3 lint typecheck packaging
	$(MAKE) unit magics notebooks browser bench-smoke

# Every environment the tests use, installed side by side (.ci/run, before make test):
# three pip installs at once took 116 s here, one after another about 4.5 minutes.
venvs:
	$(MAKE) -j3 setup $(VENV313)/.installed $(VENV_BENCH)/.installed

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

# The layers of tests/: plain Python (API, collectors, report, renderers' snapshots, compare,
# the package's layout, the notebooks' paired .py files), then the magics in an in-process
# IPython shell and in real kernels (nbclient, jupyter_client).
unit: setup $(SPEEDSCOPE_SCHEMA)
	$(PY) -m pytest -p no:cacheprovider tests/unit

magics: setup
	$(PY) -m pytest -p no:cacheprovider tests/ipython tests/kernel

# About 2 minutes: the sdist and wheel built (python -m build) and checked (twine), then the
# wheel installed into a fresh venv (pip fetches its dependencies) where the API, the magic
# and the command line run.
packaging: setup
	$(PY) -m pytest -p no:cacheprovider tests/packaging

notebooks: setup
	$(PY) -m pytest -p no:cacheprovider --nbval --nbval-current-env notebooks \
		--nbval-sanitize-with notebooks/sanitize.cfg

# Every notebook in JupyterLab in headless Chromium (Debian's chromium; see tests/browser).
browser: setup
	$(PY) -m pytest -p no:cacheprovider -m browser -s tests/browser

# The benchmarks' own environment: the workbench plus the anchors it is compared with.
$(VENV_BENCH)/.installed: pyproject.toml benchmarks/requirements.txt
	test -x $(VENV_BENCH)/bin/python || $(PYTHON) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/python -m pip install --quiet --disable-pip-version-check \
		-e . -r benchmarks/requirements.txt
	touch $@

# About 24 minutes: every tool on every workload, 5 A/B pairs each, and every stage's share on
# the accuracy workloads; writes benchmarks/RESULTS.md.
bench: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python benchmarks/run.py

# About 4 minutes: the correction on pyperformance's programs as pipeline stages (code we
# did not write), each stage's share against its unprofiled time; prints the table.
bench-unseen: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python benchmarks/unseen.py

# Seconds: tiny scale, one pair, so the harness cannot rot; asserts nothing about speed.
bench-smoke: $(VENV_BENCH)/.installed
	$(VENV_BENCH)/bin/python benchmarks/run.py --smoke --out $(VENV_BENCH)/RESULTS-smoke.md

$(VENV313)/.installed: pyproject.toml
	command -v $(PY313) >/dev/null || { echo "Python 3.13 not found ($(PY313)); set PY313=/path/to/python3.13"; exit 1; }
	test -x $(VENV313)/bin/python || $(PY313) -m venv $(VENV313)
	$(VENV313)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,dask]'
	touch $@

test-py313: $(VENV313)/.installed $(SPEEDSCOPE_SCHEMA)
	$(VENV313)/bin/python -m pytest -p no:cacheprovider tests/unit
	$(VENV313)/bin/python -m pytest -p no:cacheprovider tests/ipython tests/kernel
	$(VENV313)/bin/python -m pytest -p no:cacheprovider --nbval --nbval-current-env notebooks \
		--nbval-sanitize-with notebooks/sanitize.cfg

clean:
	rm -rf $(VENV) $(VENV313) $(VENV_BENCH) build dist *.egg-info
