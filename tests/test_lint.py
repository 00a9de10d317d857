"""The code passes the project's lint rules (pyproject.toml [tool.ruff]): unused names, import order, bugbear."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed (it comes with the dev extra)")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "service", "tests", "scripts"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-4000:]
