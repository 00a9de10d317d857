"""What the report page and the exports show, computed once from a `Result`: labels, which findings point at which
cell or figure, and the state each figure and cell is in."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from service.findings import SEVERITY_ORDER, Evidence, Finding, sort_findings
from service.result import TABLE_KEYS, Cell, Figure, Result, TableResult

_LABELS = Path(__file__).with_name("labels.toml")
FAILING = ("error", "warning")


@lru_cache(maxsize=1)
def labels() -> dict:
    with _LABELS.open("rb") as f:
        return tomllib.load(f)


def row_label(table: str, row: str) -> str:
    return labels()["rows"].get(table, {}).get(row, row)


def col_label(table: str, col: str) -> str:
    return labels()["columns"].get(table, {}).get(col, col)


def table_title(table: str) -> str:
    return labels()["tables"].get(table, table)


def cell_id(table: str, row: str, col: str) -> str:
    return f"cell-{table}-{row}-{col}".replace(".", "_")


def figure_anchor(figure_id: str) -> str:
    return f"fig-{figure_id}"


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
    return f"{value:,}"


@dataclass
class FindingIndex:
    """Findings by the cell or figure their evidence names, worst first."""

    by_cell: dict[tuple[str, str, str], list[Finding]] = field(default_factory=lambda: defaultdict(list))
    by_figure: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, result: Result) -> FindingIndex:
        index = cls()
        for finding in sort_findings(result.findings):
            for ev in finding.evidence:
                if ev.kind == "cell" and ev.table and ev.row and ev.col:
                    index.by_cell[(ev.table, ev.row, ev.col)].append(finding)
                elif ev.kind == "figure" and ev.figure:
                    index.by_figure[ev.figure].append(finding)
        return index

    def cell_state(self, table: str, row: str, col: str, cell: Cell | None) -> str:
        worst = _worst(self.by_cell.get((table, row, col), []))
        if worst in FAILING:
            return worst
        if cell is not None and cell.status in ("ambiguous", "text"):
            return "warning"
        return "ok"

    def figure_state(self, figure: Figure) -> str:
        """error/warning when a failing check names it; checked when a check passed or it is linked to a cell."""
        findings = self.by_figure.get(figure.id, [])
        worst = _worst(findings)
        if worst in FAILING:
            return worst
        checked = findings or figure.metric or figure.relation in ("total", "part", "share", "change")
        return "checked" if checked else "unchecked"


def _worst(findings: list[Finding]) -> str | None:
    return min((f.severity for f in findings), key=SEVERITY_ORDER.__getitem__, default=None)


def metric_cells(result: Result, metric: str | None) -> tuple[int | float, list[tuple[str, str, str]]] | None:
    """The value a figure's metric has in the tables and the cells it was summed from (one for a plain cell)."""
    from service.checks.narrative import resolve

    if not metric:
        return None
    found = resolve(result.tables, metric)
    if found is None:
        return None
    return found.value, [(ev.table, ev.row, ev.col) for ev in found.cells]


def table_columns(table: TableResult) -> list[str]:
    seen: dict[str, None] = {}
    for cells in table.rows.values():
        seen.update(dict.fromkeys(cells))
    return list(seen)


def present_tables(result: Result) -> list[tuple[str, TableResult | None]]:
    keys = list(TABLE_KEYS) + [k for k in result.tables if k not in TABLE_KEYS]
    return [(k, result.tables.get(k)) for k in keys]


def evidence_target(ev: Evidence) -> str | None:
    """The page anchor an evidence item links to."""
    if ev.kind == "cell" and ev.table and ev.row and ev.col:
        return cell_id(ev.table, ev.row, ev.col)
    if ev.kind == "figure" and ev.figure:
        return figure_anchor(ev.figure)
    if ev.kind == "table" and ev.table:
        return f"table-{ev.table}"
    if ev.kind == "text" and ev.start is not None:
        return f"text-{ev.start}"
    return None


def evidence_label(ev: Evidence, result: Result) -> str:
    page = f"（第 {ev.page} 页）" if ev.page else ""
    if ev.kind == "cell":
        return f"{table_title(ev.table or '').split(' ')[0]} {row_label(ev.table or '', ev.row or '')} × " \
               f"{col_label(ev.table or '', ev.col or '')}{page}"
    if ev.kind == "figure":
        figure = next((f for f in result.figures if f.id == ev.figure), None)
        return f"叙述数字“{figure.text}”{page}" if figure else f"叙述数字 {ev.figure}"
    if ev.kind == "table":
        return f"{table_title(ev.table or '')}{page}"
    if ev.kind == "text" and ev.start is not None and ev.end is not None:
        snippet = result.text[ev.start:ev.end]
        return f"原文“{snippet[:40]}{'…' if len(snippet) > 40 else ''}”{page}"
    if ev.kind == "page" and ev.page:
        return f"第 {ev.page} 页"
    return ev.note or ev.kind


def evidence_text(ev: Evidence) -> str:
    """Evidence as one short machine-readable string, for the exports."""
    if ev.kind == "cell":
        where = f"{ev.table}.{ev.row}.{ev.col}"
    elif ev.kind == "figure":
        where = f"figure {ev.figure}"
    elif ev.kind == "text":
        where = f"text {ev.start}-{ev.end}"
    elif ev.kind == "table":
        where = f"table {ev.table}"
    else:
        where = ev.kind
    return where + (f" p{ev.page}" if ev.page else "")
