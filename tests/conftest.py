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


@pytest.fixture(scope="session")
def api_server(tmp_path_factory):
    """A real nianbao server (uvicorn, SQLite, process workers) shared by the API and report-page tests."""
    from tests.api_support import ApiServer

    server = ApiServer(tmp_path_factory.mktemp("api"), NIANBAO_MAX_UPLOAD_MB="2").start()
    yield server
    server.stop()
