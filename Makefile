# Two commands do all set-up on a fresh machine (only Python ≥ 3.11 and make needed):
#   make run    – install into .venv and start the service (SQLite under ./nianbao-data) with the sample report loaded
#   make test   – install into .venv (with test tools) and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := corpora/seed/gusu_2023_report.txt

.PHONY: run test clean

# The service needs the base install; the tests also need the test tools and the transformer extractor (torch).
$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,transformer]"
	touch $@ $(VENV)/.installed-run

HOST ?= 127.0.0.1
PORT ?= 8000

run: $(VENV)/.installed-run
	$(BIN)/nianbao serve --host $(HOST) --port $(PORT) --load $(SAMPLE)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
