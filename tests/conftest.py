"""Shared fixtures: paths to the project's own corpora (copied from ../shared so CI needs nothing outside the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
SEED = CORPORA / "seed" / "gusu_2023_report.txt"
REAL = CORPORA / "real"


def real_files(*suffixes: str) -> list[Path]:
    return sorted(p for p in REAL.iterdir() if p.suffix in suffixes) if suffixes else sorted(
        p for p in REAL.iterdir() if p.name != "MANIFEST.tsv")


@pytest.fixture(scope="session")
def seed_bytes() -> bytes:
    return SEED.read_bytes()
