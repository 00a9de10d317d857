"""Arithmetic checks of tables 三 and 四 (R1–R3, R5, R10–R13) and the soft checks of table 二 (H2, H3).

Blank cells count as 0 and the D7 finding says so. A broken identity whose short side holds a blank cell is not an
error: the blank may stand for a number the filer did not write (a blank 总计 never raises R3, D7). R9: one wrong
cell yields one finding at that cell, not one per identity it breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from service.checks.registry import rule
from service.findings import Finding, cell_evidence
from service.pipeline import Analysis
from service.result import TableResult
from service.tables.identities import CellRef, Identity, identities_for, residual
from service.tables.labels import cell_zh, row_zh, vocabulary

RULE_ORDER = ("R1", "R2", "R3", "R10", "R11", "R12")
MAX_SINGLE_CELL_ROUNDS = 20


@dataclass
class Failure:
    identity: Identity
    residual: int | float


@dataclass
class Diagnosis:
    """Either one cell that explains several broken identities (R9) or one broken identity on its own."""

    rule: str
    failures: list[Failure]
    cell: CellRef | None = None
    expected: int | float | None = None
    actual: int | float | None = None


def _values(table: TableResult) -> dict[CellRef, int | float | None]:
    values: dict[CellRef, int | float | None] = {}
    for row, cols in table.rows.items():
        for col, cell in cols.items():
            if cell.status == "number":
                values[(row, col)] = cell.value
            elif cell.status in ("blank", "dash"):
                values[(row, col)] = 0
            else:
                values[(row, col)] = None
    return values


def _blank(table: TableResult, ref: CellRef) -> bool:
    cell = table.rows.get(ref[0], {}).get(ref[1])
    return cell is not None and cell.status in ("blank", "dash")


def _failures(table: TableResult, identities: list[Identity], values: dict) -> list[Failure]:
    failures = []
    for identity in identities:
        r = residual(identity, values.get)
        if r is None or r == 0:
            continue
        short_side = identity.left if r < 0 else identity.right
        if any(_blank(table, ref) and values.get(ref) == 0 for ref in short_side):
            continue  # a blank on the short side may be an unwritten number (D7)
        failures.append(Failure(identity, r))
    return failures


def _fix_for(ref: CellRef, failures: list[Failure], values: dict) -> int | float | None:
    """The value of `ref` that mends every failure it takes part in, when they agree on one."""
    wanted = set()
    for f in failures:
        sign = 1 if ref in f.identity.left else -1
        wanted.add(values[ref] - sign * f.residual)
    return wanted.pop() if len(wanted) == 1 else None


def diagnose(table: TableResult, table_key: str) -> list[Diagnosis]:
    identities = identities_for(table_key, table.template)
    values = _values(table)
    diagnoses: list[Diagnosis] = []
    for _ in range(MAX_SINGLE_CELL_ROUNDS):
        failures = _failures(table, identities, values)
        single = _single_cell(failures, identities, values)
        if single is None:
            break
        diagnoses.append(single)
        values[single.cell] = single.expected
    for failure in _failures(table, identities, values):
        diagnoses.append(Diagnosis(rule=failure.identity.rule, failures=[failure]))
    return diagnoses


def _single_cell(failures: list[Failure], identities: list[Identity], values: dict) -> Diagnosis | None:
    """The one cell whose change mends two or more broken identities and breaks none that hold (R9)."""
    failing = {id(f.identity) for f in failures}
    explanations: dict[CellRef, tuple[list[Failure], int | float]] = {}
    for ref in {ref for f in failures for ref in f.identity.cells}:
        if values.get(ref) is None:
            continue
        involved = [i for i in identities if ref in i.cells and residual(i, values.get) is not None]
        if any(id(i) not in failing for i in involved):
            continue
        mine = [f for f in failures if ref in f.identity.cells]
        fix = _fix_for(ref, mine, values)
        if len(mine) >= 2 and fix is not None and fix >= 0:
            explanations[ref] = (mine, fix)
    by_failures: dict[frozenset[int], list[CellRef]] = {}
    for ref, (mine, _) in explanations.items():
        by_failures.setdefault(frozenset(id(f.identity) for f in mine), []).append(ref)
    unique = [refs[0] for refs in by_failures.values() if len(refs) == 1]
    if not unique:
        return None
    winners = sorted(unique, key=lambda r: (-len(explanations[r][0]), r))
    ref = winners[0]
    mine, fix = explanations[ref]
    rule_id = min((f.identity.rule for f in mine), key=RULE_ORDER.index)
    return Diagnosis(rule=rule_id, failures=mine, cell=ref, expected=fix, actual=values[ref])


def _finding(table_key: str, table: TableResult, d: Diagnosis) -> Finding:
    name = vocabulary()[table_key].name
    rules = sorted({f.identity.rule for f in d.failures}, key=RULE_ORDER.index)
    if d.cell is not None:
        row, col = d.cell
        others = {ref for f in d.failures for ref in f.identity.cells} - {d.cell}
        return Finding(
            rule=d.rule, severity="error",
            message_zh=f"{name}{cell_zh(table_key, row, col)}为 {d.actual}，但 {'、'.join(rules)} 都要求它是 "
                       f"{d.expected}：这一个单元格就能解释全部不平衡。",
            message_en=f"{table_key}.{row}.{col} is {d.actual} but {', '.join(rules)} all need {d.expected}; this "
                       f"one cell explains every broken identity",
            expected=d.expected, actual=d.actual,
            evidence=[_evidence(table_key, table, d.cell)] + [_evidence(table_key, table, r) for r in sorted(others)],
            data={"rules": rules, "identities": [f.identity.label_en for f in d.failures]},
        )
    failure = d.failures[0]
    identity = failure.identity
    values = _values(table)
    left = sum(values[ref] for ref in identity.left)
    right = sum(values[ref] for ref in identity.right)
    return Finding(
        rule=identity.rule, severity="error",
        message_zh=f"{name}不平衡：{identity.label_zh}，等式左边为 {left}，右边为 {right}。",
        message_en=f"{table_key} does not add up: {identity.label_en}; left side {left}, right side {right}",
        expected=right, actual=left,
        evidence=[_evidence(table_key, table, ref) for ref in identity.cells],
        data={"rules": rules, "identity": identity.label_en},
    )


def _evidence(table_key: str, table: TableResult, ref: CellRef):
    cell = table.rows.get(ref[0], {}).get(ref[1])
    return cell_evidence(table_key, ref[0], ref[1], cell.page if cell else table.page)


def _identity_findings(analysis: Analysis, table_key: str, rule_id: str) -> Iterator[Finding]:
    table = analysis.tables.get(table_key)
    if table is None:
        return
    for d in diagnose(table, table_key):
        if d.rule == rule_id:
            yield _finding(table_key, table, d)


@rule("R1")
def check_r1(analysis: Analysis) -> Iterable[Finding]:
    """N + C = T + F in every column (the printed 勾稽关系)."""
    return _identity_findings(analysis, "requests", "R1")


@rule("R2")
def check_r2(analysis: Analysis) -> Iterable[Finding]:
    """（七）总计 = the sum of the outcome rows, in every column."""
    return _identity_findings(analysis, "requests", "R2")


@rule("R3")
def check_r3(analysis: Analysis) -> Iterable[Finding]:
    """总计 column = the six applicant columns, in every row."""
    return _identity_findings(analysis, "requests", "R3")


@rule("R10")
def check_r10(analysis: Analysis) -> Iterable[Finding]:
    return _identity_findings(analysis, "review_litigation", "R10")


@rule("R11")
def check_r11(analysis: Analysis) -> Iterable[Finding]:
    return _identity_findings(analysis, "review_litigation", "R11")


@rule("R12")
def check_r12(analysis: Analysis) -> Iterable[Finding]:
    return _identity_findings(analysis, "review_litigation", "R12")


def _domain(analysis: Analysis, table_key: str, rule_id: str, severity: str) -> Iterator[Finding]:
    """Every count is an integer ≥ 0; the 万元 fee may be a decimal and 2019's 本年增/减 may be negative."""
    table = analysis.tables.get(table_key)
    if table is None:
        return
    for row, cols in table.rows.items():
        label = vocabulary()[table_key].row(row)
        decimal, signed = (label.decimal_cols, label.signed_cols) if label else ((), ())
        for col, cell in cols.items():
            if cell.status != "number":
                continue
            whole = isinstance(cell.value, int) or col in decimal
            if whole and (cell.value >= 0 or col in signed):
                continue
            want_zh, want_en = ("非负数", "non-negative number") if col in decimal else ("非负整数", "whole number ≥ 0")
            yield Finding(
                rule=rule_id, severity=severity,
                message_zh=f"{vocabulary()[table_key].name}{cell_zh(table_key, row, col)}为 {cell.raw}，应为{want_zh}。",
                message_en=f"{table_key}.{row}.{col} is {cell.raw!r}; it should be a {want_en}",
                actual=cell.value, evidence=[cell_evidence(table_key, row, col, cell.page)],
            )


@rule("R5")
def check_r5(analysis: Analysis) -> Iterable[Finding]:
    return _domain(analysis, "requests", "R5", "error")


@rule("R13")
def check_r13(analysis: Analysis) -> Iterable[Finding]:
    return _domain(analysis, "review_litigation", "R13", "error")


@rule("H3")
def check_h3(analysis: Analysis) -> Iterable[Finding]:
    return _domain(analysis, "active_disclosure", "H3", "warning")


@rule("H2")
def check_h2(analysis: Analysis) -> Iterable[Finding]:
    """2019 table 二: 本年新公开数量 ≤ 对外公开总数量."""
    table = analysis.tables.get("active_disclosure")
    if table is None or table.template != "2019":
        return
    for row in ("rules", "normative_documents"):
        cols = table.rows.get(row, {})
        new, total = cols.get("new_published"), cols.get("total_published")
        if not (new and total and new.status == total.status == "number") or new.value <= total.value:
            continue
        yield Finding(
            rule="H2", severity="warning",
            message_zh=f"{vocabulary()['active_disclosure'].name}“{row_zh('active_disclosure', row)}”：本年新公开数量 "
                       f"{new.value} 大于对外公开总数量 {total.value}。",
            message_en=f"active_disclosure.{row}: published this year ({new.value}) exceeds the total published "
                       f"({total.value})",
            expected=f"<= {total.value}", actual=new.value,
            evidence=[cell_evidence("active_disclosure", row, "new_published", new.page),
                      cell_evidence("active_disclosure", row, "total_published", total.page)],
        )


@rule("D7")
def check_blanks(analysis: Analysis) -> Iterable[Finding]:
    """One information finding per table that has blank cells: arithmetic read them as 0."""
    for table_key, table in analysis.tables.items():
        if table is None:
            continue
        blanks = [(row, col, cell.page) for row, cols in table.rows.items() for col, cell in cols.items()
                  if cell.status in ("blank", "dash")]
        if not blanks:
            continue
        listed = "、".join(cell_zh(table_key, row, col) for row, col, _ in blanks)
        yield Finding(
            rule="D7", severity="info",
            message_zh=f"{vocabulary()[table_key].name}有 {len(blanks)} 个单元格为空白（或“—”），核算时按 0 计：{listed}。"
                       f"若空白处实有数字，与之相关的勾稽关系不作为错误报告。",
            message_en=f"{table_key} has {len(blanks)} blank cells, read as 0 in the arithmetic: {listed}; an identity "
                       f"that fails only on the side holding a blank is not reported as an error",
            actual=len(blanks), evidence=[cell_evidence(table_key, row, col, page) for row, col, page in blanks],
        )
