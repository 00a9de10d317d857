"""Labelled raw rows → the three standard tables: rows placed by label (or by template order when a label was lost,
D16), cells read, run-together digits (D1) resolved by the identities, and findings for what could not be mapped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product

from service.findings import Evidence, Finding, cell_evidence
from service.result import Cell, TableResult
from service.tables.cells import number_cell, parse_cell
from service.tables.digits import TooManySplits, as_number, count_cuts, splits
from service.tables.identities import REVIEW_COLUMNS, REVIEW_ROWS, identities_for, residual
from service.tables.labels import RowLabel, TableVocabulary, normalize_label, vocabulary
from service.tables.recognize import RawRow, ValueSlot

REVIEW_CELLS = len(REVIEW_ROWS) * len(REVIEW_COLUMNS)
MIN_PLACED_ROWS = {"active_disclosure": 2, "requests": 3, "review_litigation": 1}
"""Fewer rows than this is a stray label (the pre-2019 statistics table has 部分公开 too), not the table."""
MAX_JOINT_COMBINATIONS = 20_000
ROW_RULES = {"requests": "R3", "review_litigation": "R10–R12"}
REVIEW_GROUPS = [len(REVIEW_COLUMNS)] * len(REVIEW_ROWS)
DOMAIN_RULE = {"active_disclosure": "H3", "requests": "R5", "review_litigation": "R13"}


@dataclass
class PlacedRow:
    """A template row with the raw row that fills it and what was read from it."""

    label: RowLabel
    raw: RawRow
    cells: list[Cell] | None = None
    candidates: list[tuple[str, ...]] = field(default_factory=list)
    """Cuts of a run-together row still in play (D1); empty once resolved or when the row was never ambiguous."""
    all_cuts: int = 0
    narrowed_by: list[str] = field(default_factory=list)
    """What ruled cuts out: identity ids (R3, R1 …) or hints (X14, H1)."""
    breaks_row: bool = False
    """No cut satisfies the row's own identity: the candidates are every cut, and the row is inconsistent anyway."""


@dataclass
class TableBuild:
    key: str
    template: str
    placed: dict[str, PlacedRow] = field(default_factory=dict)
    unplaced: list[RawRow] = field(default_factory=list)
    placed_by_order: list[str] = field(default_factory=list)
    """Rows whose numbers came without a label and were placed by template order (D16)."""
    findings: list[Finding] = field(default_factory=list)


def group_rows(rows: list[RawRow]) -> dict[str, list[RawRow]]:
    """Which table each raw row belongs to: its own label's table, else (no label) its shape or the table around it."""
    groups: dict[str, list[RawRow]] = {key: [] for key in vocabulary()}
    current: str | None = None
    for row in rows:
        if row.key:
            current = row.key[0]
            groups[current].append(row)
        elif row.filled:
            table = _table_by_shape(row) or current
            if table:
                groups[table].append(row)
    return groups


def _table_by_shape(row: RawRow) -> str | None:
    """A label-less row with 15 cells is table 四's data row; one with 7 is a row of table 三 (table 二 has ≤ 3)."""
    if len(row.values) >= REVIEW_CELLS:
        return "review_litigation"
    if len(row.filled) == len(vocabulary()["requests"].columns):
        return "requests"
    return None


def detect_template(key: str, rows: list[RawRow], all_rows: list[RawRow]) -> str:
    """Per table, from its own labels (D10: a 2023 report can carry a 2019 table)."""
    vocab = vocabulary()[key]
    if key == "requests":
        keys = {r.key[1] for r in rows if r.key}
        single_other = any(r.key == ("requests", "other") and r.filled for r in rows)
        split_other = keys & {"other.no_correction", "other.unpaid_fee", "other.other"}
        return "2019" if single_other and not split_other else "2021"
    if key == "active_disclosure":
        indexes = {r.table_index for r in rows}
        text = "".join(normalize_label(r.label) for r in all_rows if r.table_index in indexes)
        hits_2019 = sum(word in text for word in vocab.template_2019)
        hits_2021 = sum(word in text for word in vocab.template_2021)
        if hits_2019 != hits_2021:
            return "2019" if hits_2019 > hits_2021 else "2021"
        licensing = next((r for r in rows if r.key == ("active_disclosure", "licensing")), None)
        return "2019" if licensing and len(licensing.filled) == 3 else "2021"
    return "2021"


def expected_cells(label: RowLabel, template: str) -> int:
    if label.table == "active_disclosure":
        return len(label.columns(template))
    if template == "2019" and label.values_2019:
        return label.values_2019
    return label.values


def place_rows(build: TableBuild, rows: list[RawRow], vocab: TableVocabulary) -> None:
    """Rows with a label take their template row; label-less rows between two placed rows fill the template rows
    between them when the counts agree (D16: markdown rows detached from their labels)."""
    data_rows = vocab.data_rows(build.template)
    order = {r.key: i for i, r in enumerate(data_rows)}
    sequence: list[tuple[int | None, RawRow]] = []
    for row in rows:
        label = row.match.row if row.match else None
        if label is not None and label.key in order:
            if not row.values:
                continue  # a header cell whose text ends like a row label (表四's 总计)
            if build.key == "review_litigation" and not row.filled:
                continue  # the header alone; its data row follows without a label
            if label.key in build.placed:
                if row.filled:
                    build.findings.append(_duplicate_finding(build.key, label, row))
                continue
            build.placed[label.key] = PlacedRow(label, row)
            sequence.append((order[label.key], row))
        elif row.filled and (label is None or label.is_header):
            sequence.append((None, row))  # numbers without a row label (D16), or beside a group cell only (D4)
    _fill_gaps(build, sequence, data_rows)


def _fill_gaps(build: TableBuild, sequence: list[tuple[int | None, RawRow]], data_rows: list[RowLabel]) -> None:
    if build.key == "review_litigation":
        unlabeled = [row for index, row in sequence if index is None]
        if not build.placed and unlabeled:  # the one data row of 15 cells carries no label of its own
            build.placed["header"] = PlacedRow(data_rows[0], unlabeled.pop(0))
        build.unplaced.extend(unlabeled)
        return
    previous = -1
    pending: list[RawRow] = []
    for index, row in [*sequence, (len(data_rows), None)]:
        if index is None:
            pending.append(row)
            continue
        if pending:
            gap = [r for r in data_rows[previous + 1: index] if r.key not in build.placed]
            if len(gap) == len(pending):
                for label, raw in zip(gap, pending):
                    build.placed[label.key] = PlacedRow(label, raw)
                    build.placed_by_order.append(label.key)
            elif not _lend_to_empty_neighbour(build, pending, data_rows, previous, index):
                build.unplaced.extend(pending)
            pending = []
        previous = index


def _lend_to_empty_neighbour(build: TableBuild, pending: list[RawRow], data_rows: list[RowLabel],
                             previous: int, following: int) -> bool:
    """A row cut by a page break (D4) can leave its label with empty cells and its numbers in a row of their own:
    one such row of numbers fills the labelled neighbour that has none."""
    if len(pending) != 1:
        return False
    for index in (following, previous):
        if 0 <= index < len(data_rows):
            placed = build.placed.get(data_rows[index].key)
            if placed is not None and not placed.raw.filled:
                numbers = pending[0]
                placed.raw = RawRow(placed.raw.label, numbers.values, numbers.table_index, numbers.page,
                                    numbers.flattened, placed.raw.match, header_cols=numbers.header_cols,
                                    label_cols=numbers.label_cols)
                build.findings.append(Finding(
                    rule="D4", severity="info",
                    message_zh=f"{vocabulary()[build.key].name}“{placed.label.label}”一行的单元格为空，相邻一行只有数字"
                               f"（疑为分页截断的同一行），已将这些数字归入该行。",
                    message_en=f"{build.key}.{placed.label.key} had empty cells beside a row of numbers without a "
                               f"label (a row cut by a page break); the numbers were read as that row's",
                    evidence=[table_evidence(build.key, placed.label.key, numbers.page)],
                ))
                return True
    return False


def read_cells(build: TableBuild) -> None:
    for placed in build.placed.values():
        n = expected_cells(placed.label, build.template)
        slots = placed.raw.values
        if any(s.ambiguous for s in slots):
            _read_run(build, placed, n)
            continue
        chosen = _by_header(placed.raw) if build.key == "requests" else None
        chosen = chosen or _trim(slots, n)
        before, after = placed.raw.edge_text
        if chosen is None and (before or after):
            chosen = _trim(before + slots + after, n)
        if chosen is None:
            build.findings.append(_shape_finding(build.key, placed, n))
            continue
        placed.cells = [parse_cell(s.text, s.page) for s in chosen]


def _by_header(raw: RawRow) -> list[ValueSlot] | None:
    """The cells under the header's columns, when the row sits in that grid (no label or stray number outside)."""
    columns = raw.header_cols
    if not columns or raw.label_cols & set(columns):
        return None
    by_col = {slot.col: slot for slot in raw.values}
    if any(slot.text.strip() and slot.col not in columns for slot in raw.values):
        return None
    if not all(col in by_col for col in columns):
        return None
    return [by_col[col] for col in columns]


def _trim(slots: list[ValueSlot], n: int) -> list[ValueSlot] | None:
    """The row's n value cells: padding cells at either end dropped (trailing first, D20), blanks inside kept."""
    chosen = list(slots)
    while len(chosen) > n and not chosen[-1].text.strip():
        chosen.pop()
    while len(chosen) > n and not chosen[0].text.strip():
        chosen.pop(0)
    if len(chosen) == n:
        return chosen
    filled = [s for s in slots if s.text.strip()]
    return filled if len(filled) == n else None


def _read_run(build: TableBuild, placed: PlacedRow, n: int) -> None:
    tokens = [t for s in placed.raw.values for t in s.text.split()]
    page = placed.raw.page
    if len(tokens) == n:
        placed.cells = [parse_cell(t, page) for t in tokens]
        return
    placed.all_cuts = count_cuts(tokens, n)
    groups = _row_groups(build.key, placed.label.key)
    try:
        local = splits(tokens, n, groups) if groups else []
        placed.candidates = local or splits(tokens, n)
        placed.breaks_row = bool(groups) and not local
    except TooManySplits:
        placed.candidates = []
    if local and len(local) < placed.all_cuts:
        placed.narrowed_by.append(ROW_RULES[build.key])
    if not placed.candidates:
        build.findings.append(_shape_finding(build.key, placed, n))


def _row_groups(table: str, row_key: str) -> list[int] | None:
    """How the cells of one row end in their own totals: the identities a run-together row must satisfy alone."""
    if table == "requests":
        return [len(vocabulary()["requests"].columns)]
    if table == "review_litigation":
        return REVIEW_GROUPS if row_key == "header" else [len(REVIEW_COLUMNS)]
    return None


def _columns(build: TableBuild, row_key: str) -> list[tuple[str, str]]:
    if build.key == "review_litigation":
        rows = REVIEW_ROWS if row_key == "header" else (row_key,)
        return [(row, col) for row in rows for col in REVIEW_COLUMNS]
    vocab = vocabulary()[build.key]
    if build.key == "requests":
        return [(row_key, col) for col in vocab.columns]
    return [(row_key, col) for col in vocab.row(row_key).columns(build.template)]


def resolve_jointly(build: TableBuild) -> None:
    """Rows with several surviving cuts: keep the combinations that satisfy the identities across rows (R1, R2)."""
    open_rows = [p for p in build.placed.values() if p.cells is None and len(p.candidates) > 1]
    if not open_rows:
        return
    total = 1
    for p in open_rows:
        total *= len(p.candidates)
    if total > MAX_JOINT_COMBINATIONS:
        return
    fixed = _known_values(build)
    identities = [i for i in identities_for(build.key, build.template)
                  if any(ref[0] in {p.label.key for p in open_rows} for ref in i.cells)]
    surviving = []
    for combo in product(*(p.candidates for p in open_rows)):
        values = dict(fixed)
        for placed, cut in zip(open_rows, combo):
            values.update({ref: as_number(piece) for ref, piece in zip(_columns(build, placed.label.key), cut)})
        if all(residual(i, values.get) in (0, None) for i in identities):
            surviving.append(combo)
    if not surviving:
        return
    for i, placed in enumerate(open_rows):
        kept = list(dict.fromkeys(combo[i] for combo in surviving))
        if len(kept) < len(placed.candidates):
            placed.narrowed_by.append("R1/R2")
        placed.candidates = kept


def _known_values(build: TableBuild) -> dict[tuple[str, str], int | float]:
    values: dict[tuple[str, str], int | float] = {}
    for key, placed in build.placed.items():
        refs = _columns(build, key)
        if placed.cells is not None:
            for ref, cell in zip(refs, placed.cells):
                if cell.status == "number":
                    values[ref] = cell.value
                elif cell.status in ("blank", "dash"):
                    values[ref] = 0
        elif len(placed.candidates) == 1:
            values.update({ref: as_number(piece) for ref, piece in zip(refs, placed.candidates[0])})
    return values


def narrow(build: TableBuild, row_key: str, keep: Callable[[dict[tuple[str, str], int | float]], bool],
           reason: str) -> bool:
    """Keep the cuts of an open row whose values pass `keep` (table 二 has no identities, but a figure stated in the
    narrative, X14, or last year's table, H1, can still pick the cut). Returns whether anything was dropped."""
    placed = build.placed.get(row_key)
    if placed is None or placed.cells is not None or len(placed.candidates) < 2:
        return False
    columns = _columns(build, row_key)
    kept = [cut for cut in placed.candidates if keep({ref: as_number(p) for ref, p in zip(columns, cut)})]
    if kept and len(kept) < len(placed.candidates):
        placed.candidates = kept
        if reason not in placed.narrowed_by:
            placed.narrowed_by.append(reason)
        return True
    return False


def settle_runs(build: TableBuild) -> None:
    """A run with one surviving cut becomes numbers (info finding); several stay ambiguous (warning)."""
    for key, placed in build.placed.items():
        if placed.cells is not None or not placed.candidates:
            continue
        run = " ".join(s.text.strip() for s in placed.raw.values)
        page = placed.raw.page
        columns = _columns(build, key)
        evidence = [cell_evidence(build.key, r, c, page) for r, c in columns]
        if len(placed.candidates) == 1:
            cut = placed.candidates[0]
            placed.cells = [number_cell(piece, run, page) for piece in cut]
            if placed.all_cuts > 1:
                by = "、".join(placed.narrowed_by)
                build.findings.append(Finding(
                    rule="D1", severity="info",
                    message_zh=f"{vocabulary()[build.key].name}“{placed.label.label}”的数字连在一起（{run}），"
                               f"在 {placed.all_cuts} 种拆分中只有 {' | '.join(cut)} 符合 {by}，据此取值。",
                    message_en=f"run-together digits {run} in {build.key}.{key}: of {placed.all_cuts} possible splits "
                               f"only {' | '.join(cut)} agrees with {', '.join(placed.narrowed_by)}; read as that",
                    actual=run, expected=" | ".join(cut), evidence=evidence,
                    data={"run": run, "split": list(cut), "splits_tried": placed.all_cuts,
                          "resolved_by": placed.narrowed_by},
                ))
            continue
        placed.cells = [_agreed_cell(placed.candidates, i, run, page) for i in range(len(columns))]
        shown = [" | ".join(c) for c in placed.candidates[:20]]
        if placed.breaks_row:
            why_zh = f"没有一种拆分满足 {ROW_RULES[build.key]}，共 {len(placed.candidates)} 种拆分"
            why_en = f"no split satisfies {ROW_RULES[build.key]}; all {len(placed.candidates)} splits"
        else:
            why_zh = f"有 {len(placed.candidates)} 种拆分都说得通"
            why_en = f"{len(placed.candidates)} splits all fit"
        build.findings.append(Finding(
            rule="D1", severity="warning",
            message_zh=f"{vocabulary()[build.key].name}“{placed.label.label}”的数字连在一起（{run}），"
                       f"{why_zh}，无法确定：{'；'.join(shown)}",
            message_en=f"run-together digits {run} in {build.key}.{key}: {why_en}; left ambiguous: {'; '.join(shown)}",
            actual=run, evidence=evidence,
            data={"run": run, "candidates": [list(c) for c in placed.candidates[:200]],
                  "candidate_count": len(placed.candidates), "fits_row_identity": not placed.breaks_row},
        ))


def recognized(build: TableBuild) -> bool:
    return len(build.placed) >= MIN_PLACED_ROWS[build.key]


def _agreed_cell(candidates: list[tuple[str, ...]], i: int, run: str, page: int | None) -> Cell:
    """A cell on which every surviving cut agrees is known even while the others stay ambiguous."""
    pieces = {cut[i] for cut in candidates}
    if len(pieces) == 1:
        return number_cell(pieces.pop(), run, page)
    return Cell(value=None, raw=run, page=page, status="ambiguous")


def to_result(build: TableBuild) -> TableResult | None:
    if not recognized(build):
        return None
    rows: dict[str, dict[str, Cell]] = {}
    for key, placed in sorted(build.placed.items(), key=lambda item: item[1].label.order):
        if placed.cells is None:
            continue
        for (row, col), cell in zip(_columns(build, key), placed.cells):
            rows.setdefault(row, {})[col] = cell
    if not rows:
        return None
    pages = sorted({c.page for cols in rows.values() for c in cols.values() if c.page is not None})
    indexes = [p.raw.table_index for p in build.placed.values()]
    return TableResult(template=build.template, rows=rows, page=pages[0] if pages else None, pages=pages,
                       source_table=min(indexes) if indexes else None)


def missing_rows(build: TableBuild) -> list[str]:
    if build.key == "review_litigation":
        if build.placed.get("header") and build.placed["header"].cells:
            return []
        return [row for row in REVIEW_ROWS if not (build.placed.get(row) and build.placed[row].cells)]
    vocab = vocabulary()[build.key]
    expected = [r.key for r in vocab.data_rows(build.template)]
    if build.key == "active_disclosure":
        expected = [k for k in expected if k not in ("other_services", "procurement") or build.template == "2019"]
    return [k for k in expected if not (build.placed.get(k) and build.placed[k].cells)]


def table_evidence(table: str, row: str | None, page: int | None) -> Evidence:
    """A whole table, or one row of it, as evidence."""
    return Evidence(kind="table", table=table, row=row, page=page)


def _shape_finding(table: str, placed: PlacedRow, n: int) -> Finding:
    got = [s.text for s in placed.raw.values]
    return Finding(
        rule="TABLE", severity="warning",
        message_zh=f"{vocabulary()[table].name}“{placed.label.label}”一行应有 {n} 个数据单元格，读到的是 {got}，未能对应到各列。",
        message_en=f"{table}.{placed.label.key} should have {n} value cells; read {got}, which could not be mapped",
        expected=n, actual=len(got), evidence=[table_evidence(table, placed.label.key, placed.raw.page)],
        data={"code": "row_shape", "cells": got},
    )


def _duplicate_finding(table: str, label: RowLabel, row: RawRow) -> Finding:
    return Finding(
        rule="TABLE", severity="info",
        message_zh=f"{vocabulary()[table].name}“{label.label}”出现不止一次，只采用第一次出现的数值。",
        message_en=f"{table}.{label.key} appears more than once; the first occurrence is used",
        evidence=[table_evidence(table, label.key, row.page)], data={"code": "duplicate_row", "label": row.label},
    )
