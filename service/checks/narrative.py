"""Narrative ↔ table and narrative self-consistency checks (format-spec §7, X1–X15).

Each rule reads `analysis.figures` (from the `figures` stage) and `analysis.tables` (from the `tables` stage) and never
changes them. A figure's `metric` names the cell or derived group (R6) it speaks about:
`<table>.<row>.<col>`, where a row may be a group prefix ("denied" = every denied.* row), a sum ("granted+partial"),
and a column may be a sum ("commercial+research+…").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from service.checks.registry import rule
from service.findings import Evidence, Finding, cell_evidence
from service.nlp.lexicon import load
from service.result import Figure, TableResult

ROW_ALIASES = {
    ("review_litigation", "litigation"): ["litigation_direct", "litigation_after_review"],
}
COLUMN_ALIASES_2019 = {"issued": "new_made", "in_force": "total_published"}
_FEE = re.compile(r"信息处理费|信息公开处理费|政府信息公开收费|公开收费")
_NO_FEE = re.compile(r"(?:未|无|没有)(?:发生|收取|产生)?[^。；;，,]{0,12}?(?:信息处理费|信息公开处理费|收费)"
                     r"|(?:信息处理费|收费)[^。；;]{0,6}?(?:为零|为0元?|均为0)")


@dataclass
class CellSum:
    """A table value a metric resolves to, with the cells it was read from."""

    value: int | float
    cells: list[Evidence]
    blanks: int = 0


def resolve(tables: dict[str, TableResult | None], metric: str) -> CellSum | None:
    """The value of `metric` in the tables, or None when the table or every cell of it is missing."""
    parts = metric.split(".")
    if len(parts) < 3:
        return None
    table_key, row_spec, col_spec = parts[0], ".".join(parts[1:-1]), parts[-1]
    table = tables.get(table_key)
    if table is None:
        return None
    rows = _rows(table, table_key, row_spec)
    cols = [COLUMN_ALIASES_2019.get(c, c) if table.template == "2019" else c for c in col_spec.split("+")]
    total, cells, blanks, found = 0, [], 0, False
    for row in rows:
        for col in cols:
            cell = table.rows.get(row, {}).get(col)
            if cell is None:
                continue
            cells.append(cell_evidence(table_key, row, col, cell.page))
            if cell.value is None:
                blanks += 1
            else:
                total, found = total + cell.value, True
    return CellSum(total, cells, blanks) if found else None


def _rows(table: TableResult, table_key: str, row_spec: str) -> list[str]:
    out = []
    for part in row_spec.split("+"):
        if (table_key, part) in ROW_ALIASES:
            out += ROW_ALIASES[(table_key, part)]
        elif part in table.rows:
            out.append(part)
        else:
            out += [r for r in table.rows if r.startswith(part + ".")]
    return out


def figure_evidence(figure: Figure) -> Evidence:
    return Evidence(kind="figure", figure=figure.id, start=figure.start, end=figure.end, page=figure.page)


def _sentence(analysis, figure: Figure) -> str:
    return analysis.document.text[figure.sentence[0]:figure.sentence[1]]


def _has_scope_word(analysis, figure: Figure) -> bool:
    return any(w in _sentence(analysis, figure) for w in load("metrics")["scope_words"])


def _linked(analysis, rule_id: str) -> Iterator[tuple[Figure, CellSum]]:
    for figure in analysis.figures:
        if figure.rule == rule_id and figure.metric and not figure.approximate:
            cell = resolve(analysis.tables, figure.metric)
            if cell is not None:
                yield figure, cell


_LABELS = {
    "X1": ("收到/受理的申请数", "applications received"),
    "X2": ("办结/答复或上年结转的申请数", "applications concluded or carried over"),
    "X3": ("结转下年度的申请数", "applications carried forward"),
    "X4": ("予以公开/部分公开的申请数", "applications granted or partly granted"),
    "X5": ("不予公开的申请数", "applications denied"),
    "X6": ("无法提供的申请数", "applications where the information could not be provided"),
    "X7": ("不予处理的申请数", "applications not processed"),
    "X8": ("其他处理的申请数", "applications handled otherwise"),
    "X9": ("行政复议数", "administrative reconsiderations"),
    "X10": ("行政诉讼数", "administrative lawsuits"),
    "X14": ("行政规范性文件数", "normative documents"),
}


def _mismatch(analysis, rule_id: str, figure: Figure, cell: CellSum, severity: str, note_zh: str = "",
              note_en: str = "") -> Finding:
    label_zh, label_en = _LABELS[rule_id]
    return Finding(
        rule=rule_id, severity=severity,
        message_zh=f"正文所述{label_zh}“{figure.text}”与表格数值 {_fmt(cell.value)} 不一致{note_zh}",
        message_en=f"The narrative states {figure.value} {label_en} (\"{figure.text}\") but the table gives "
                   f"{_fmt(cell.value)}{note_en}",
        expected=cell.value, actual=figure.value,
        evidence=[figure_evidence(figure), *cell.cells],
        data={"metric": figure.metric, **({"blank_cells_as_zero": cell.blanks} if cell.blanks else {})},
    )


def _fmt(value: int | float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _zero_claims(analysis, rule_id: str) -> Iterable[Finding]:
    """"未出现申请行政复议、提起行政诉讼的情况": a count stated as none, with no digit, against its cells."""
    text = analysis.document.text
    for claim in load("metrics").get("zero_claim", []):
        if claim["rule"] != rule_id:
            continue
        match = re.search(claim["pattern"], text)
        cell = resolve(analysis.tables, claim["key"]) if match else None
        if cell is None or cell.value == 0:
            continue
        label_zh, label_en = _LABELS[rule_id]
        yield Finding(
            rule=rule_id, severity="warning" if any(w in _clause(text, match) for w in load("metrics")["scope_words"])
            else "error",
            message_zh=f"正文称“{match.group(0)}”（{label_zh}为 0），但表格数值为 {_fmt(cell.value)}",
            message_en=f"The narrative says there were no {label_en} (\"{match.group(0)}\"), but the table gives "
                       f"{_fmt(cell.value)}",
            expected=cell.value, actual=0,
            evidence=[Evidence(kind="text", start=match.start(), end=match.end()), *cell.cells],
            data={"metric": claim["key"], "zero_claim": True},
        )


def _clause(text: str, match: re.Match) -> str:
    start = max(text.rfind(c, 0, match.start()) for c in "。\n")
    return text[start + 1:match.end()]


def _compare(analysis, rule_id: str, severity: str = "error") -> Iterable[Finding]:
    yield from _zero_claims(analysis, rule_id)
    for figure, cell in _linked(analysis, rule_id):
        if figure.value == cell.value:
            continue
        if _has_scope_word(analysis, figure):
            yield _mismatch(analysis, rule_id, figure, cell, "warning", "（正文所述范围可能与表格不同）",
                            " (the sentence may cover a different scope than the table)")
        else:
            yield _mismatch(analysis, rule_id, figure, cell, severity)


@rule("X1")
def received_vs_table(analysis) -> Iterable[Finding]:
    """收到/受理/新收 N ↔ 一、本年新收 (N); some reports fold 上年结转 into 收到 (N + C, 平潭 2022)."""
    yield from _zero_claims(analysis, "X1")
    for figure, cell in _linked(analysis, "X1"):
        if figure.value == cell.value:
            continue
        carried = resolve(analysis.tables, figure.metric.replace("new_received", "carried_over"))
        if carried is not None and figure.value == cell.value + carried.value:
            yield Finding(
                rule="X1", severity="info",
                message_zh=f"正文所述收到申请数“{figure.text}”等于本年新收 {_fmt(cell.value)} 加上年结转 "
                           f"{_fmt(carried.value)}：正文把上年结转的申请计入了收到数",
                message_en=f"The narrative's {figure.value} applications received equal new ({_fmt(cell.value)}) "
                           f"plus carried over ({_fmt(carried.value)}): the narrative counts carried-over "
                           "applications as received",
                expected=cell.value, actual=figure.value,
                evidence=[figure_evidence(figure), *cell.cells, *carried.cells],
                data={"metric": figure.metric, "matches": "new_received+carried_over"},
            )
        elif _has_scope_word(analysis, figure):
            yield _mismatch(analysis, "X1", figure, cell, "warning", "（正文所述范围可能与表格不同，如本办与全区）",
                            " (the sentence may cover a different scope, e.g. the office rather than the whole "
                            "government)")
        else:
            yield _mismatch(analysis, "X1", figure, cell, "error")


def _register_table_rule(rule_id: str, severity: str = "error") -> None:
    @rule(rule_id)
    def check(analysis) -> Iterable[Finding]:
        return list(_compare(analysis, rule_id, severity))

    check.__name__ = f"narrative_{rule_id.lower()}"


for _rule_id in ("X2", "X3", "X4", "X5", "X6", "X7", "X8", "X9", "X10"):
    _register_table_rule(_rule_id)
_register_table_rule("X14", "warning")


@rule("X11")
def shares(analysis) -> Iterable[Finding]:
    """占 P% ↔ count / base, the base being the concluded total (or the received count, or the part's total)."""
    by_id = {f.id: f for f in analysis.figures}
    for share in analysis.figures:
        if share.relation != "share" or share.refers_to not in by_id:
            continue
        counted = by_id[share.refers_to]
        bases = _share_bases(analysis, counted, by_id)
        if not bases or any(_share_ok(share, counted.value, base) for base, _ in bases):
            continue
        base, evidence = bases[0]
        decimals = _decimals(share)
        expected = round(100 * counted.value / base, decimals) if base else None
        siblings = [f.value for f in analysis.figures if counted.part_of and f.part_of == counted.part_of
                    and f.relation == "part"]
        parts_sum = sum(siblings) if len(siblings) > 1 else None
        note = {"matches_sum_of_parts": parts_sum} if parts_sum and _share_ok(share, counted.value, parts_sum) else {}
        yield Finding(
            rule="X11", severity="warning",
            message_zh=f"正文所述占比“{share.text}”与 {_fmt(counted.value)}/{_fmt(base)} = {expected}% 不符"
                       + (f"（与分项之和 {_fmt(parts_sum)} 相符）" if note else ""),
            message_en=f"The stated share {share.text} does not match {_fmt(counted.value)}/{_fmt(base)} = "
                       f"{expected}%" + (f" (it matches the sum of the parts, {_fmt(parts_sum)})" if note else ""),
            expected=expected, actual=share.value,
            evidence=[figure_evidence(share), figure_evidence(counted), *evidence],
            data={"bases_tried": [b for b, _ in bases], **note},
        )


def _share_bases(analysis, counted: Figure, by_id: dict[str, Figure]) -> list[tuple[float, list[Evidence]]]:
    bases = []
    if counted.part_of in by_id:
        total = by_id[counted.part_of]
        bases.append((total.value, [figure_evidence(total)]))
    if counted.metric and counted.metric.startswith("requests."):
        for metric in ("requests.total.total", "requests.new_received.total"):
            cell = resolve(analysis.tables, metric)
            if cell is not None:
                bases.append((cell.value, cell.cells))
    return [(b, e) for b, e in bases if b]


def _decimals(figure: Figure) -> int:
    digits = re.search(r"\d+(?:\.(\d+))?", figure.text)
    return len(digits.group(1)) if digits and digits.group(1) else 0


def _share_ok(share: Figure, count: float, base: float) -> bool:
    """Within half a unit of the last stated digit, or truncated to it (高淳 2022: 1/130 stated 0.7%)."""
    exact = 100 * count / base
    unit = 10 ** -_decimals(share)
    truncated = math.floor(exact / unit + 1e-9) * unit
    return abs(exact - share.value) <= unit / 2 + 1e-9 or abs(truncated - share.value) < 1e-9


@rule("X12")
def parts_vs_total(analysis) -> Iterable[Finding]:
    """其中 a、b、c must sum to the total (or to less, when the list ends in 等 or goes on without figures); what a
    total includes (含…) must not exceed it."""
    by_id = {f.id: f for f in analysis.figures}
    groups: dict[tuple[str, str], list[Figure]] = {}
    for figure in analysis.figures:
        if figure.part_of in by_id and figure.relation in ("part", "included"):
            groups.setdefault((figure.part_of, figure.relation), []).append(figure)
    for (total_id, relation), items in groups.items():
        total = by_id[total_id]
        at_most = total.parts_open or relation == "included"
        if total.approximate or any(p.approximate for p in items) or (len(items) < 2 and not at_most):
            continue
        summed = sum(p.value for p in items)
        if (summed > total.value) if at_most else (summed != total.value):
            yield _parts_finding(total, items, summed, at_most)


def _parts_finding(total: Figure, items: list[Figure], summed: float, at_most: bool) -> Finding:
    return Finding(
        rule="X12", severity="warning" if at_most else "error",
        message_zh=f"“{total.text}”的分项之和 {_fmt(summed)} {'超过' if at_most else '不等于'}总数 {_fmt(total.value)}",
        message_en=f"The parts of \"{total.text}\" sum to {_fmt(summed)}, "
                   f"{'more than' if at_most else 'not'} the stated total {_fmt(total.value)}",
        expected=total.value, actual=summed,
        evidence=[figure_evidence(total), *(figure_evidence(p) for p in items)],
        data={"parts": [p.value for p in items], "open_list": at_most},
    )


@rule("X13.implied")
def year_on_year(analysis) -> Iterable[Finding]:
    """较去年增加 Y% with this year's N implies last year's value: record it (rule X13, info) so that the previous
    report can confirm it. When that report is at hand, the cross-year X13 of service/checks/history.py compares."""
    if _has_prior_report(analysis):
        return
    by_id = {f.id: f for f in analysis.figures}
    for change in analysis.figures:
        if change.relation != "change" or change.refers_to not in by_id:
            continue
        current = by_id[change.refers_to]
        low, high, implied = _implied_prior(change, current.value)
        if implied is None:
            continue
        direction_zh = "增加" if change.change == "increase" else "减少"
        prior_text = describe_prior(low, high, current)
        yield Finding(
            rule="X13", severity="info",
            message_zh=f"“{current.text}”较上年{direction_zh}“{change.text}”，推算上年为 {prior_text}，需与上年报告核对",
            message_en=f"{current.text} with a stated change of {change.text} implies {prior_text} last year; to be "
                       "confirmed against last year's report",
            actual=round(implied, 2), evidence=[figure_evidence(change), figure_evidence(current)],
            data={"current": current.value, "change": change.value, "unit": change.unit,
                  "direction": change.change, "implied_prior": round(implied, 2),
                  "implied_prior_range": [round(low, 2), round(high, 2)], "metric": current.metric,
                  "subject": current.subject},
        )


def _has_prior_report(analysis) -> bool:
    year = analysis.info.year
    return year is not None and any(r.document.year == year - 1 for r in analysis.history)


def describe_prior(low: float, high: float, current: Figure) -> str:
    """What last year's value can be, as a reader checks it: the whole numbers in range for an exact count ("32 件"),
    else the range at the precision the figure was written with ("293.5万–295.6万")."""
    unit = f" {current.unit}" if current.unit else ""
    whole = range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)
    if float(current.value).is_integer() and not current.approximate and 1 <= len(whole) <= 3:
        shown = str(whole[0]) if len(whole) == 1 else f"{whole[0]}–{whole[-1]}"
        return f"{shown}{unit}"
    if high >= 10_000:
        return f"{low / 10_000:.1f}万–{high / 10_000:.1f}万{unit}"
    return f"{low:.1f}–{high:.1f}{unit}"


def _implied_prior(change: Figure, current: float) -> tuple[float, float, float | None]:
    sign = 1 if change.change == "increase" else -1
    if change.kind == "percent":
        half = 0.5 * 10 ** -_decimals(change)
        factors = [1 + sign * (change.value + d) / 100 for d in (-half, 0, half)]
        if min(factors) <= 0:
            return 0, 0, None
        values = [current / f for f in factors]
        return min(values), max(values), values[1]
    if change.kind == "count":
        implied = current - sign * change.value
        return implied, implied, implied
    return 0, 0, None


@rule("X15")
def fees(analysis) -> Iterable[Finding]:
    """信息处理费 has no table cell: compare the sentences that state it with each other."""
    stated = [f for f in analysis.figures if f.kind == "money" and _FEE.search(_sentence(analysis, f))]
    statements = [(f.value, figure_evidence(f), f.text) for f in stated]
    for m in _NO_FEE.finditer(analysis.document.text):
        if not any(f.sentence[0] <= m.start() < f.sentence[1] for f in stated):
            statements.append((0, Evidence(kind="text", start=m.start(), end=m.end()), m.group(0)))
    values = {v for v, _, _ in statements}
    if len(values) > 1:
        yield Finding(
            rule="X15", severity="error",
            message_zh="信息处理费的表述前后不一致：" + "；".join(f"“{t}”" for _, _, t in statements),
            message_en="The information processing fee is stated inconsistently: "
                       + "; ".join(f"{_fmt(v)} yuan" for v, _, _ in statements),
            expected=statements[0][0], actual=statements[1][0],
            evidence=[e for _, e, _ in statements],
            data={"values": [v for v, _, _ in statements]},
        )


@rule("X16")
def same_metric_twice(analysis) -> Iterable[Finding]:
    """The same table metric stated twice in the narrative with different values (issue 4; no format-spec id yet)."""
    seen: dict[str, Figure] = {}
    for figure in analysis.figures:
        if not figure.metric or figure.approximate:
            continue
        first = seen.setdefault(figure.metric, figure)
        if first is not figure and first.value != figure.value and \
                not _related(first, figure) and not _same_sentence(analysis.document.text, first, figure):
            yield Finding(
                rule="X16", severity="warning",
                message_zh=f"同一指标在正文中两次表述不一致：“{first.text}”与“{figure.text}”",
                message_en=f"The narrative states the same metric twice with different values: "
                           f"{first.value} and {figure.value}",
                expected=first.value, actual=figure.value,
                evidence=[figure_evidence(first), figure_evidence(figure)],
                data={"metric": figure.metric},
            )


def _related(a: Figure, b: Figure) -> bool:
    """"受理申请227件，其中区政府受理36件": a part restates its total's metric for a narrower scope."""
    return a.id in (b.part_of, b.refers_to) or b.id in (a.part_of, a.refers_to) or \
        (a.part_of is not None and a.part_of == b.part_of)


def _same_sentence(text: str, a: Figure, b: Figure) -> bool:
    """"办理申请80件，已答复69件，其中11件顺延": one sentence naming a metric twice names two different things."""
    return not any(c in text[a.end:b.start] for c in "。！？!?")
