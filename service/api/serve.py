"""Run the service under uvicorn (`nianbao serve`, `python -m service.api`)."""

from __future__ import annotations

import logging
from pathlib import Path

import uvicorn
from fastapi import HTTPException

from service.api.uploads import check_readable

log = logging.getLogger("nianbao.api")


class LoadError(Exception):
    """A file given to `nianbao serve --load` that cannot be read or is not a report format nianbao reads."""


def read_reports(paths: list[Path]) -> list[tuple[Path, bytes]]:
    """Each file's bytes, after the checks an upload passes; LoadError names the first file that fails them."""
    reports = []
    for path in paths:
        try:
            data = path.read_bytes()
            check_readable(data)
        except OSError as exc:
            raise LoadError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except HTTPException as exc:
            raise LoadError(f"{path}: {exc.detail}") from None
        reports.append((path, data))
    return reports


def load_files(paths: list[Path], base_url: str) -> None:
    """Queue local report files in the store before the server starts, as if each had been uploaded; the server
    processes them once it runs. The same file loaded again is the same document (its sha256)."""
    from service.store import Store, StoreSettings

    reports = read_reports(paths)
    store = Store(StoreSettings.from_env())
    store.migrate()
    try:
        for path, data in reports:
            row, _ = store.add(data, path.name)
            log.info("loaded %s: %s/v1/documents/%s (audit report: %s/v1/documents/%s/report)",
                     path, base_url, row.id, base_url, row.id)
    finally:
        store.close()


def serve(host: str = "127.0.0.1", port: int = 8000, log_level: str = "info", load: list[Path] = ()) -> None:
    from service.api.app import create_app

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if load:
        load_files(list(load), f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}")
    uvicorn.run(create_app(), host=host, port=port, log_level=log_level, timeout_graceful_shutdown=10)
