"""The `nianbao` command. Every command calls the same library functions the API and batch runs use."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from service.ingest import IngestError
from service.result import Result

app = typer.Typer(add_completion=False, no_args_is_help=True, help="nianbao: 政府信息公开工作年度报告 extraction and audit.")
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def fail(message: str) -> None:
    """One line on stderr, exit 2: the contract for unreadable, empty, unsupported or corrupt input."""
    print(f"nianbao: {message}", file=sys.stderr)
    raise typer.Exit(EXIT_BAD_INPUT)


def read_input(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except IsADirectoryError:
        fail(f"{path}: is a directory, not a report file")
    except OSError as error:
        fail(f"{path}: cannot be read ({error.strerror or error})")


def analyze_path(path: Path, options: dict | None = None) -> Result:
    from service.nlp.extractors import ExtractorUnavailable
    from service.pipeline import analyze_bytes

    data = read_input(path)
    try:
        return analyze_bytes(data, path.name, options=options)
    except IngestError as error:
        fail(f"{path}: {error}")
    except ExtractorUnavailable as error:
        fail(str(error))
    except Exception as error:  # a parser library failing on malformed input must not print a traceback
        print(f"nianbao: {path}: internal error while reading ({type(error).__name__}: {error}); please report it",
              file=sys.stderr)
        raise typer.Exit(EXIT_INTERNAL) from None


@app.command()
def extract(
    file: Path = typer.Argument(..., help="Report file: PDF, DOCX, HTML, Markdown or plain text."),
    output: Path | None = typer.Option(None, "-o", "--output", help="Write the result here instead of stdout."),
    fmt: str = typer.Option("json", "--format", "-f", help="json (result-schema.md), html (the audit report page), "
                            "csv or xlsx (figures, cells, findings)."),
    extractor: str | None = typer.Option(
        None, "--extractor", help="Figure extractor: rules, spacy, transformer or ensemble (scripts/evaluate.py)."),
) -> None:
    """Print the result of one report: its JSON (result-schema.md), audit report page, or CSV / XLSX export."""
    from service.api.cli import FORMATS, render, write_output

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    write_output(render(analyze_path(file, {"extractor": extractor} if extractor else None), fmt), fmt, output)


@app.command()
def inspect(file: Path = typer.Argument(..., help="Report file to summarize.")) -> None:
    """Print a readable summary: metadata, sections, tables, figures and findings."""
    result = analyze_path(file)
    console = Console()
    doc = result.document
    console.print(f"[bold]{doc.title or file.name}[/bold]")
    console.print(f"机关 agency: {doc.agency or '—'}   年度 year: {doc.year or '—'}   "
                  f"发布 published: {doc.published or '—'}   格式 format: {doc.format}   页数 pages: {doc.pages or '—'}")
    console.print(_sections_table(result))
    console.print(_tables_table(result))
    console.print(f"数字 figures: {len(result.figures)}")
    console.print(_findings_table(result))


def _sections_table(result: Result) -> Table:
    table = Table(title="章节 sections")
    for column in ("#", "title", "chars"):
        table.add_column(column)
    for section in result.sections:
        table.add_row(str(section.number), section.title, f"{section.start}–{section.end}")
    return table


def _tables_table(result: Result) -> Table:
    table = Table(title="表格 tables")
    for column in ("table", "template", "cells", "page"):
        table.add_column(column)
    for key, value in result.tables.items():
        if value is None:
            table.add_row(key, "[red]not found[/red]", "", "")
        else:
            cells = sum(len(cols) for cols in value.rows.values())
            table.add_row(key, value.template, str(cells), str(value.page or "—"))
    return table


def _findings_table(result: Result) -> Table:
    table = Table(title=f"发现 findings ({len(result.findings)})")
    for column in ("severity", "rule", "message"):
        table.add_column(column)
    colors = {"error": "red", "warning": "yellow", "info": "cyan"}
    for finding in result.findings:
        color = colors[finding.severity]
        table.add_row(f"[{color}]{finding.severity}[/{color}]", finding.rule, finding.message_zh)
    return table


from service.batch.cli import register as register_batch_commands  # noqa: E402  (batch: annotate, export, gold)

register_batch_commands(app)

from service.api.cli import register as register_service_commands  # noqa: E402  (serve, reprocess)

register_service_commands(app)


if __name__ == "__main__":
    app()
