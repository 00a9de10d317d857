"""The audit report page: one self-contained HTML file (styles and script inline), readable offline."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from service.findings import sort_findings
from service.report.view import (
    FindingIndex,
    cell_id,
    col_label,
    evidence_label,
    evidence_target,
    figure_anchor,
    format_number,
    labels,
    metric_cells,
    present_tables,
    row_label,
    table_columns,
    table_title,
)
from service.result import Figure, Result, TableResult

_HERE = Path(__file__).parent


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(_HERE / "templates"), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = format_number
    return env


@dataclass
class Piece:
    text: str
    figure: Figure | None = None
    state: str = ""
    tip: list[tuple[str, str]] = field(default_factory=list)
    target: str | None = None
    """Anchors (space-separated) of the cells the figure was checked against."""
    findings: list = field(default_factory=list)


@dataclass
class Region:
    anchor: str
    title: str | None
    pieces: list[Piece]


def _figure_piece(result: Result, figure: Figure, index: FindingIndex) -> Piece:
    lab = labels()
    tip = [("数值", f"{format_number(figure.value)} {figure.unit}".strip() + ("（约数）" if figure.approximate else "")),
           ("类型", lab["kind"].get(figure.kind, figure.kind))]
    if figure.subject:
        tip.append(("对象", figure.subject))
    if figure.page:
        tip.append(("页码", f"第 {figure.page} 页"))
    if figure.change:
        tip.append(("变化", lab["change"].get(figure.change, figure.change)))
    if figure.part_of:
        parent = next((f for f in result.figures if f.id == figure.part_of), None)
        tip.append(("所属", f"“{parent.text}”的组成部分" if parent else figure.part_of))
    targets = []
    if figure.metric:
        tip.append(("指标", figure.metric))
        linked = metric_cells(result, figure.metric)
        if linked:
            value, cells = linked
            table = cells[0][0]
            where = "、".join(f"{row_label(t, r)} × {col_label(t, c)}" for t, r, c in cells[:4])
            more = f" 等 {len(cells)} 格" if len(cells) > 4 else ""
            tip.append(("核对单元格", f"{table_title(table).split(' ')[0]} {where}{more} = {format_number(value)}"))
            targets = [cell_id(t, r, c) for t, r, c in cells]
    findings = index.by_figure.get(figure.id, [])
    for finding in findings[:3]:
        tip.append((f"{finding.rule} {labels()['severity'][finding.severity]}", finding.message_zh))
    if not findings and not figure.metric:
        tip.append(("核对", "未与表格或其他数字核对"))
    return Piece(text=figure.text, figure=figure, state=index.figure_state(figure), tip=tip,
                 target=" ".join(targets) or None, findings=findings)


def _pieces(result: Result, start: int, end: int, figures: list[Figure], index: FindingIndex,
            anchors: set[int]) -> list[Piece]:
    """The text from start to end as plain runs, highlighted figures and empty anchors for text evidence."""
    events = [(a, 0, None) for a in anchors if start <= a < end]
    events += [(f.start, 1, f) for f in figures if start <= f.start and f.end <= end]
    pieces, cursor = [], start
    for position, _, figure in sorted(events, key=lambda e: (e[0], e[1])):
        if position < cursor:
            continue
        if position > cursor:
            pieces.append(Piece(result.text[cursor:position]))
            cursor = position
        if figure is None:
            pieces.append(Piece("", target=f"text-{position}", state="anchor"))
        else:
            pieces.append(_figure_piece(result, figure, index))
            cursor = figure.end
    if cursor < end:
        pieces.append(Piece(result.text[cursor:end]))
    return pieces


def _regions(result: Result, index: FindingIndex) -> list[Region]:
    figures = sorted((f for f in result.figures if 0 <= f.start < f.end <= len(result.text)), key=lambda f: f.start)
    anchors = {ev.start for f in result.findings for ev in f.evidence if ev.kind == "text" and ev.start is not None}
    bounds: list[tuple[str, str | None, int]] = []
    for section in sorted(result.sections, key=lambda s: s.start):
        bounds.append((f"sec-{section.number}", section.title, max(0, min(section.start, len(result.text)))))
    if not bounds or bounds[0][2] > 0:
        bounds.insert(0, ("sec-0", None, 0))
    regions = []
    for i, (anchor, title, start) in enumerate(bounds):
        end = bounds[i + 1][2] if i + 1 < len(bounds) else len(result.text)
        if end > start:
            regions.append(Region(anchor, title, _pieces(result, start, end, figures, index, anchors)))
    return regions


@dataclass
class TableView:
    key: str
    title: str
    table: TableResult | None
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def _table_views(result: Result, index: FindingIndex) -> list[TableView]:
    views = []
    for key, table in present_tables(result):
        view = TableView(key, table_title(key), table)
        if table is not None:
            cols = table_columns(table)
            view.columns = [(c, col_label(key, c)) for c in cols]
            shown: set[str] = set()
            for row, cells in table.rows.items():
                group = _group_heading(key, row)
                heading = group if group and group not in shown else None
                shown.add(group or "")
                view.rows.append({"key": row, "label": row_label(key, row), "group": heading, "cells": [
                    _cell_view(key, row, col, cells.get(col), index) for col in cols]})
        views.append(view)
    return views


def _group_heading(table: str, row: str) -> str | None:
    """The heading a row sits under in the printed table: 三、本年度办理结果 above (一), （三）不予公开 above its 1.–8."""
    groups = labels()["groups"]
    if row == "granted":
        return groups.get(f"{table}.outcomes")
    prefix, dot, _ = row.partition(".")
    return groups.get(f"{table}.{prefix}") if dot else None


def _cell_view(table: str, row: str, col: str, cell, index: FindingIndex) -> dict:
    if cell is None:
        return {"absent": True}
    findings = index.by_cell.get((table, row, col), [])
    shown = format_number(cell.value) if cell.value is not None else ("—" if cell.status == "dash" else cell.raw)
    title = [f"原文：{cell.raw!r}", f"状态：{labels()['cell_status'].get(cell.status, cell.status)}"]
    if cell.page:
        title.append(f"第 {cell.page} 页")
    if cell.note:
        title.append(f"注：{cell.note}")
    title += [f"{f.rule}：{f.message_zh}" for f in findings]
    return {"id": cell_id(table, row, col), "shown": shown, "status": cell.status,
            "state": index.cell_state(table, row, col, cell), "title": "\n".join(title),
            "rules": sorted({f.rule for f in findings if f.severity != "info"})}


def render_report_html(result: Result, links: dict[str, str] | None = None) -> str:
    """The audit report page of one result. `links` (label → URL) adds download links, e.g. when served."""
    index = FindingIndex.of(result)
    findings = sort_findings(result.findings)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in ("error", "warning", "info")}
    figure_states = [index.figure_state(f) for f in result.figures]
    return _environment().get_template("report.html.j2").render(
        result=result, doc=result.document, regions=_regions(result, index), tables=_table_views(result, index),
        findings=findings, counts=counts, labels=labels(), links=links or {},
        evidence_target=evidence_target, evidence_label=lambda ev: evidence_label(ev, result),
        figure_anchor=figure_anchor, css=(_HERE / "templates" / "report.css").read_text(encoding="utf-8"),
        script=(_HERE / "templates" / "report.js").read_text(encoding="utf-8"),
        figures_checked=sum(1 for s in figure_states if s != "unchecked"),
        figures_failing=sum(1 for s in figure_states if s in ("error", "warning")),
    )
