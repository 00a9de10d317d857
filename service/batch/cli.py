"""The batch commands of `nianbao`: annotate (bulk runs), export (annotation tools), gold (import reviewed spans)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from service.batch.run import DocRecord, InputError, ProgressSink, Summary, annotate

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


class EngineName(str, Enum):
    local = "local"
    dask = "dask"


class ExportFormat(str, Enum):
    labelstudio = "labelstudio"
    doccano = "doccano"
    docbin = "docbin"


class Tool(str, Enum):
    labelstudio = "labelstudio"
    doccano = "doccano"


def _fail(message: str) -> None:
    print(f"nianbao: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_BAD_INPUT)


class _RateColumn(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} docs/s" if speed else "– docs/s", style="progress.data.speed")


class RichProgress(ProgressSink):
    """Progress bar on stderr: documents done/total, documents per second, ETA, and failures so far."""

    def __init__(self, console: Console):
        self._progress = Progress(TextColumn("[bold]annotate"), BarColumn(), MofNCompleteColumn(), _RateColumn(),
                                  TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[failed]}"),
                                  console=console, transient=False)
        self._task = None
        self._failed = 0

    def start(self, total: int) -> None:
        self._progress.start()
        self._task = self._progress.add_task("annotate", total=total, failed="")

    def advance(self, record: DocRecord) -> None:
        self._failed += record.status != "ok"
        failed = f"[red]{self._failed} failed[/red]" if self._failed else ""
        self._progress.update(self._task, advance=1, failed=failed)

    def stop(self) -> None:
        self._progress.stop()


def summary_table(summary: Summary) -> Table:
    run = summary.invocation
    table = Table(title=f"annotate: {summary.pipeline_version}, engine {run.engine} × {run.workers}")
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    docs = summary.documents
    rows = [
        ("inputs this run", run.inputs), ("analyzed now", run.processed), ("skipped (done before)", run.skipped),
        ("duplicates", run.duplicates), ("documents in folder", docs["total"]), ("ok", docs["ok"]),
        ("unreadable (failed)", docs["failed"]), ("pipeline errors", docs["error"]),
        ("figures", summary.figures["total"]),
    ]
    rows += [(f"  {label}", n) for label, n in summary.figures.items() if label != "total"]
    rows += [(f"findings {rule}", n) for rule, n in summary.findings_by_rule.items()]
    for name, value in rows:
        table.add_row(name, str(value))
    table.caption = f"{run.seconds:.1f} s, {run.docs_per_s:.2f} docs/s" + (" — interrupted" if run.interrupted else "")
    return table


def failures_table(summary: Summary, limit: int = 20) -> Table | None:
    if not summary.failures:
        return None
    table = Table(title=f"failures ({len(summary.failures)})")
    for column in ("document", "status", "reason"):
        table.add_column(column)
    for failure in summary.failures[:limit]:
        table.add_row(failure["origin"], failure["status"], failure["reason"] or "")
    return table


def annotate_command(
    paths: list[Path] = typer.Argument(..., help="Report files, folders, or .jsonl files of texts (one per line)."),
    out: Path = typer.Option(..., "--out", help="Output folder (created; a second run into it resumes)."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes (default: CPU count)."),
    engine: EngineName = typer.Option(EngineName.local, "--engine", help="local: process pool; dask: Dask."),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask scheduler address, tcp://HOST:PORT."),
    extractor: str | None = typer.Option(None, "--extractor", help="Figure extractor: rules (default), spacy, "
                                         "transformer or ensemble (the models must be trained)."),
    force: bool = typer.Option(False, "--force", help="Analyze again documents already done."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no table."),
) -> None:
    """Analyze many reports: one result JSON each, annotations.jsonl, summary.json (resumable)."""
    from service.batch.engines import EngineError
    from service.batch.work import PipelineSpec

    spec = PipelineSpec(options=(("extractor", extractor),) if extractor else ())
    console = Console(stderr=True)
    progress = None if quiet else RichProgress(console)
    try:
        summary = annotate(paths, out, workers=workers, engine=engine.value, scheduler=scheduler, spec=spec,
                           force=force, progress=progress)
    except (InputError, EngineError) as error:
        _fail(str(error))
    except KeyboardInterrupt:
        print(f"nianbao: interrupted; finished documents are kept in {out} (run again to resume)", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    if not quiet:
        stdout = Console()
        stdout.print(summary_table(summary))
        failures = failures_table(summary)
        if failures is not None:
            stdout.print(failures)
        for line in summary.invocation.unreadable_inputs:
            stdout.print(f"[red]unreadable:[/red] {line}")


def export_command(
    sources: list[Path] = typer.Argument(..., help="Run folders (nianbao annotate --out) or result JSON files."),
    fmt: ExportFormat = typer.Option(..., "--format", "-f", help="labelstudio, doccano or docbin."),
    out: Path = typer.Option(..., "--out", "-o", help="File to write (.json, .jsonl or .spacy)."),
) -> None:
    """Export figure spans and their relations to an annotation tool (pre-annotations) or spaCy."""
    from service.batch.exports import ExportError, export

    try:
        message = export(sources, fmt.value, out)
    except ExportError as error:
        _fail(str(error))
    print(message)


def gold_import_command(
    file: Path = typer.Argument(..., help="Label Studio JSON export or doccano JSONL of reviewed spans."),
    tool: Tool = typer.Option(..., "--from", help="labelstudio or doccano."),
    name: str = typer.Option(..., "--name", help="Gold set name: writes corpora/gold/reviewed/NAME.jsonl."),
    gold_dir: Path | None = typer.Option(None, "--gold-dir", help="Write under this folder instead."),
) -> None:
    """Import reviewed spans as gold annotations (used by scripts/train_ner.py and scripts/evaluate.py)."""
    from service.batch.gold import REVIEWED_DIR, GoldFormatError, read_export, write_gold

    if not file.is_file():
        _fail(f"{file}: no such file")
    try:
        docs, unreviewed = read_export(file, tool.value)
        target = write_gold(docs, tool.value, (gold_dir or REVIEWED_DIR) / f"{name}.jsonl")
    except GoldFormatError as error:
        _fail(str(error))
    spans = sum(len(d.spans) for d in docs)
    print(json.dumps({"gold": str(target), "documents": len(docs), "spans": spans, "unreviewed": unreviewed}))


def register(app: typer.Typer) -> None:
    app.command("annotate")(annotate_command)
    app.command("export")(export_command)
    gold = typer.Typer(no_args_is_help=True, help="Gold annotations under corpora/gold/.")
    gold.command("import")(gold_import_command)
    app.add_typer(gold, name="gold")
