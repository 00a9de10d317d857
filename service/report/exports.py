"""CSV and XLSX exports of a result: figures, table cells and findings (and the document's metadata), one sheet each.

The CSV is one long table (a `sheet` column says which sheet a row belongs to), UTF-8 with a BOM so that Excel opens
Chinese text correctly; `export_csv(result, sheet="cells")` gives a single sheet with its own columns.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from service.findings import sort_findings
from service.report.view import FindingIndex, col_label, evidence_text, row_label, table_columns
from service.result import Result

Rows = list[dict[str, object]]
_HEADER_FILL = PatternFill("solid", fgColor="F3E5E5")
_STATE_FILL = {"error": PatternFill("solid", fgColor="FDE7E7"), "warning": PatternFill("solid", fgColor="FFF3CD")}


def document_rows(result: Result) -> Rows:
    doc = result.document
    pairs = [("title", doc.title), ("agency", doc.agency), ("year", doc.year), ("published", doc.published),
             ("template", doc.template), ("source_name", doc.source_name), ("format", doc.format),
             ("pages", doc.pages), ("sha256", doc.sha256), ("pipeline_version", result.pipeline_version),
             ("schema_version", result.schema_version), ("figures", len(result.figures)),
             ("findings", len(result.findings))]
    return [{"key": k, "value": v} for k, v in pairs]


def figure_rows(result: Result) -> Rows:
    index = FindingIndex.of(result)
    rows = []
    for f in result.figures:
        findings = index.by_figure.get(f.id, [])
        rows.append({
            "id": f.id, "text": f.text, "value": f.value, "unit": f.unit, "kind": f.kind,
            "approximate": f.approximate, "subject": f.subject, "change": f.change, "part_of": f.part_of,
            "metric": f.metric, "page": f.page, "start": f.start, "end": f.end,
            "sentence": result.text[f.sentence[0]:f.sentence[1]], "state": index.figure_state(f),
            "rules": " ".join(sorted({x.rule for x in findings})), "source": f.source,
        })
    return rows


def cell_rows(result: Result) -> Rows:
    index = FindingIndex.of(result)
    rows = []
    for key, table in result.tables.items():
        if table is None:
            continue
        for row in table.rows:
            for col in table_columns(table):
                cell = table.rows[row].get(col)
                if cell is None:
                    continue
                findings = index.by_cell.get((key, row, col), [])
                rows.append({
                    "table": key, "template": table.template, "row": row, "row_label": row_label(key, row),
                    "col": col, "col_label": col_label(key, col), "value": cell.value, "raw": cell.raw,
                    "status": cell.status, "page": cell.page, "note": cell.note,
                    "state": index.cell_state(key, row, col, cell),
                    "rules": " ".join(sorted({x.rule for x in findings})),
                })
    return rows


def finding_rows(result: Result) -> Rows:
    return [{
        "rule": f.rule, "severity": f.severity, "message_zh": f.message_zh, "message_en": f.message_en,
        "expected": f.expected, "actual": f.actual, "evidence": "; ".join(evidence_text(ev) for ev in f.evidence),
        "data": json.dumps(f.data, ensure_ascii=False, sort_keys=True) if f.data else "",
    } for f in sort_findings(result.findings)]


SHEETS: dict[str, Callable[[Result], Rows]] = {
    "document": document_rows,
    "figures": figure_rows,
    "cells": cell_rows,
    "findings": finding_rows,
}


def _columns(rows: Rows) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _inert(text: str) -> str:
    """Text from a document that a spreadsheet would run as a formula (=HYPERLINK(…)) is quoted (OWASP CSV injection)."""
    return "'" + text if text.startswith(_FORMULA_START) and not _NUMBER.match(text) else text


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _inert(value) if isinstance(value, str) else value


def export_csv(result: Result, sheet: str | None = None) -> bytes:
    """All sheets in one long table (column `sheet` first), or one sheet by name."""
    if sheet is not None and sheet not in SHEETS:
        raise ValueError(f"unknown sheet {sheet!r}; known: {', '.join(SHEETS)}")
    names = [sheet] if sheet else [n for n in SHEETS if n != "document"]
    rows = [({} if sheet else {"sheet": name}) | row for name in names for row in SHEETS[name](result)]
    columns = _columns(rows) or ["sheet"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_value(v) for k, v in row.items()})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def export_xlsx(result: Result) -> bytes:
    """A workbook with the sheets document, figures, cells, findings; failing cells and figures are shaded."""
    book = Workbook()
    book.remove(book.active)
    for name, build in SHEETS.items():
        rows = build(result)
        sheet = book.create_sheet(name)
        columns = _columns(rows) or (["key", "value"] if name == "document" else ["(none)"])
        sheet.append(columns)
        for cell in sheet[1]:
            cell.font, cell.fill = Font(bold=True), _HEADER_FILL
        for row in rows:
            sheet.append([row.get(c) for c in columns])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # openpyxl would store it as a formula
            fill = _STATE_FILL.get(str(row.get("state") or row.get("severity") or ""))
            if fill:
                for cell in sheet[sheet.max_row]:
                    cell.fill = fill
        sheet.freeze_panes = "A2"
        if rows:
            sheet.auto_filter.ref = sheet.dimensions
        for i, column in enumerate(columns, start=1):
            width = max([len(str(column))] + [min(len(str(r.get(column) or "")), 60) for r in rows[:500]])
            sheet.column_dimensions[get_column_letter(i)].width = min(max(8, width * 1.6), 70)
            if column in ("message_zh", "message_en", "sentence", "data"):
                for cell in sheet[get_column_letter(i)][1:]:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
