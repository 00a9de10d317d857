"""The service's commands (`nianbao serve`, `nianbao reprocess`) and the report/export formats of `nianbao extract`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from service.api.serve import LoadError
from service.result import Result

FORMATS = ("json", "html", "csv", "xlsx")


def render(result: Result, fmt: str) -> bytes:
    """The result in one of FORMATS, as the bytes to write."""
    from service.report import export_csv, export_xlsx, render_report_html

    if fmt == "html":
        return render_report_html(result).encode("utf-8")
    if fmt == "csv":
        return export_csv(result)
    if fmt == "xlsx":
        return export_xlsx(result)
    return (result.to_json() + "\n").encode("utf-8")


def write_output(data: bytes, fmt: str, output: Path | None) -> None:
    if output is not None:
        output.write_bytes(data)
    elif fmt == "xlsx" and sys.stdout.isatty():
        print("nianbao: an XLSX workbook is binary; write it to a file with -o FILE.xlsx", file=sys.stderr)
        raise typer.Exit(2)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (0.0.0.0 for every interface)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int | None = typer.Option(None, "--workers", help="Worker processes (default NIANBAO_WORKERS or 2)."),
    log_level: str = typer.Option("info", "--log-level"),
    load: list[Path] = typer.Option([], "--load", help="A report file to queue at start, as if uploaded (repeatable)."),
) -> None:
    """Run the HTTP service (database NIANBAO_DATABASE_URL, files under NIANBAO_DATA_DIR; default ./nianbao-data)."""
    from service.api.serve import serve as run

    if workers is not None:
        os.environ["NIANBAO_WORKERS"] = str(workers)
    try:
        run(host, port, log_level, load)
    except LoadError as exc:
        print(f"nianbao: {exc}", file=sys.stderr)
        raise typer.Exit(2) from None


def reprocess(
    everything: bool = typer.Option(False, "--all", help="Re-run every finished document, not only stale ones."),
    queue_only: bool = typer.Option(False, "--queue-only",
                                    help="Only queue them again; a running `nianbao serve` processes them."),
) -> None:
    """Re-run the documents whose result came from another pipeline version (after an upgrade)."""
    from service import __version__
    from service.store import Store, StoreSettings
    from service.store.processing import process_inline

    store = Store(StoreSettings.from_env())
    store.migrate()
    rows = store.stale(None if everything else __version__)
    if not rows:
        print(f"nothing to reprocess: every result is from pipeline {__version__}")
        return
    done = failed = 0
    for row in rows:
        if not store.requeue(row.id):
            print(f"{row.id} {row.source_name}: being processed now, skipped")
            continue
        if queue_only:
            continue
        claimed = store.claim(row.id)
        if claimed is None:
            print(f"{row.id} {row.source_name}: taken by a running server")
            continue
        process_inline(store, claimed)
        after = store.get(row.id)
        done, failed = done + (after.status == "done"), failed + (after.status == "failed")
        print(f"{row.id} {row.source_name}: {after.status}" + (f" ({after.reason})" if after.reason else ""))
    store.close()
    if queue_only:
        print(f"queued {len(rows)} documents for pipeline {__version__}")
    else:
        print(f"reprocessed {done + failed} documents with pipeline {__version__}: {done} done, {failed} failed")


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(reprocess)
