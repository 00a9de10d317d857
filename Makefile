# Two commands do all set-up on a fresh machine (only Python ≥ 3.11 and make needed):
#   make run    – install into .venv and run nianbao on the bundled sample report
#   make test   – install into .venv (with test tools) and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SAMPLE := corpora/seed/gusu_2023_report.txt

.PHONY: install run test clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev,transformer]"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/nianbao inspect $(SAMPLE)

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
