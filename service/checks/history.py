"""Checks across years (format-spec R8, H1, X13): a report against the same agency's report for the year before.

The rules read `analysis.history` (Results of the same agency's other reports, supplied by a store or a caller) and
yield nothing when the previous year's report is not there. Every finding they make carries `data["cross_year"]`
and the previous report's year and sha256, so `apply_history` can replace them when the history changes (an earlier
report arrives after a later one) without re-running the pipeline.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from service.checks.registry import RULES, rule
from service.document import Document, SourceInfo
from service.findings import Evidence, Finding, cell_evidence, sort_findings
from service.result import Cell, Figure, Result, TableResult
from service.text import fold

HISTORY_RULES = ("R8", "H1", "X13")
CROSS_YEAR = "cross_year"
_LEXICON = Path(__file__).with_name("agency_names.toml")
_BRACKETED = re.compile(r"[(（\[【〔][^)）\]】〕]*[)）\]】〕]")
_TRAILING_YEAR = re.compile(r"\d{4}年度?$")


# --- agency names -------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _agency_lexicon() -> dict:
    with _LEXICON.open("rb") as f:
        return tomllib.load(f)


def agency_key(name: str | None) -> str | None:
    """The form agency names are compared in: folded, no spaces or bracketed remarks, full forms contracted."""
    if not name:
        return None
    key = _BRACKETED.sub("", re.sub(r"\s+", "", fold(name)))
    key = _TRAILING_YEAR.sub("", key)
    for full, short in _agency_lexicon()["contractions"]:
        key = key.replace(full, short)
    return key or None


def _is_place_qualifier(prefix: str) -> bool:
    suffixes = "|".join(map(re.escape, _agency_lexicon()["qualifier_suffixes"]))
    return bool(re.fullmatch(rf"(?:[\u4e00-\u9fff]{{1,8}}?(?:{suffixes}))+", prefix))


def same_agency(a: str | None, b: str | None) -> bool:
    """Whether two agency keys name the same agency (江苏省淮安市洪泽区政府 = 洪泽区政府, not = 淮安市政府)."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long.endswith(short) and _is_place_qualifier(long[: -len(short)]) and not _is_place_qualifier(short)


# --- the previous report --------------------------------------------------------------------------------------------


def prior_report(analysis) -> Result | None:
    """The history entry for year − 1 of the same agency (when both names are known), if any."""
    year = analysis.info.year
    if year is None:
        return None
    key = agency_key(analysis.info.agency)
    for prior in analysis.history:
        if prior.document.year != year - 1:
            continue
        prior_key = agency_key(prior.document.agency)
        if key and prior_key and not same_agency(key, prior_key):
            continue
        return prior
    return None


def _prior_data(prior: Result, **extra) -> dict:
    return {CROSS_YEAR: True, "prior_year": prior.document.year, "prior_sha256": prior.document.sha256, **extra}


def _count(cell: Cell | None) -> int | float | None:
    """A cell's number for cross-year arithmetic: blank and dash count as 0; text and ambiguous cells are unknown."""
    if cell is None:
        return None
    if cell.status == "number":
        return cell.value
    if cell.status in ("blank", "dash"):
        return 0
    return None


def _cell(table: TableResult | None, row: str, col: str) -> Cell | None:
    if table is None:
        return None
    return table.rows.get(row, {}).get(col)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


def _missing_table(rule_id: str, prior: Result, table_zh: str, table_key: str, which_zh: str, which_en: str) -> Finding:
    return Finding(
        rule=rule_id, severity="info",
        message_zh=f"{which_zh}缺少{table_zh}，无法与{prior.document.year}年度报告进行跨年度核对。",
        message_en=f"{which_en} has no {table_key} table, so it cannot be checked against the {prior.document.year} report.",
        data=_prior_data(prior, table=table_key),
    )


# --- R8: last year's carried_forward = this year's carried_over ---------------------------------------------------

_COLUMN_ZH = {
    "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构", "social_welfare": "社会公益组织",
    "legal_service": "法律服务机构", "other_org": "其他", "total": "总计",
}


@rule("R8")
def carried_over_matches_prior(analysis) -> Iterator[Finding]:
    prior = prior_report(analysis)
    if prior is None:
        return
    current, previous = analysis.tables.get("requests"), prior.tables.get("requests")
    if current is None or previous is None:
        which = ("本年度报告", "This report") if current is None else (f"{prior.document.year}年度报告", "The prior report")
        yield _missing_table("R8", prior, "表三", "requests", *which)
        return
    carried_in = current.rows.get("carried_over", {})
    carried_out = previous.rows.get("carried_forward", {})
    checked, failures = [], []
    for col in [c for c in carried_in if c in carried_out]:
        now, before = _count(carried_in[col]), _count(carried_out[col])
        if now is None or before is None:
            continue
        checked.append(col)
        if now != before:
            failures.append((col, before, now))
    for col, before, now in failures:
        col_zh = _COLUMN_ZH.get(col, col)
        yield Finding(
            rule="R8", severity="warning",
            message_zh=(f"表三“二、上年结转政府信息公开申请数量”（{col_zh}）为 {_fmt(now)}，而{prior.document.year}年度报告"
                        f"“四、结转下年度继续办理”为 {_fmt(before)}，两者应相等。"),
            message_en=(f"Carried over from last year ({col}) is {_fmt(now)}, but the {prior.document.year} report "
                        f"carried forward {_fmt(before)}; they should be equal."),
            expected=before, actual=now,
            evidence=[cell_evidence("requests", "carried_over", col, carried_in[col].page)],
            data=_prior_data(prior, prior_cell={"table": "requests", "row": "carried_forward", "col": col}),
        )
    if checked and not failures:
        yield Finding(
            rule="R8", severity="info",
            message_zh=f"上年结转数与{prior.document.year}年度报告的结转下年度数一致（{len(checked)} 列）。",
            message_en=f"Carried over from last year equals the {prior.document.year} report's carried forward "
                       f"({len(checked)} columns).",
            evidence=[cell_evidence("requests", "carried_over", col, carried_in[col].page) for col in checked[-1:]],
            data=_prior_data(prior, columns=checked),
        )


# --- H1: in_force(y) ≈ in_force(y−1) + issued(y) − repealed(y) -----------------------------------------------------

_H1_ROWS = {"rules": "规章", "normative_documents": "行政规范性文件"}


@rule("H1")
def in_force_follows_prior(analysis) -> Iterator[Finding]:
    prior = prior_report(analysis)
    if prior is None:
        return
    current, previous = analysis.tables.get("active_disclosure"), prior.tables.get("active_disclosure")
    if current is None or previous is None:
        which = ("本年度报告", "This report") if current is None else (f"{prior.document.year}年度报告", "The prior report")
        yield _missing_table("H1", prior, "表二", "active_disclosure", *which)
        return
    if current.template != "2021" or previous.template != "2021":
        return
    for row, row_zh in _H1_ROWS.items():
        issued, repealed = _count(_cell(current, row, "issued")), _count(_cell(current, row, "repealed"))
        in_force, before = _count(_cell(current, row, "in_force")), _count(_cell(previous, row, "in_force"))
        if None in (issued, repealed, in_force):
            continue
        if before is None:
            yield from _resolve_prior_run(prior, row, row_zh, in_force - issued + repealed)
            continue
        expected = before + issued - repealed
        page = _cell(current, row, "in_force").page
        evidence = [cell_evidence("active_disclosure", row, col, page) for col in ("in_force", "issued", "repealed")]
        data = _prior_data(prior, prior_in_force=before, issued=issued, repealed=repealed, row=row)
        if in_force == expected:
            yield Finding(
                rule="H1", severity="info",
                message_zh=(f"表二{row_zh}现行有效件数 {_fmt(in_force)} = 上年现行有效 {_fmt(before)} + 本年制发 "
                            f"{_fmt(issued)} − 本年废止 {_fmt(repealed)}。"),
                message_en=(f"{row} in force {_fmt(in_force)} = last year's {_fmt(before)} + issued {_fmt(issued)} "
                            f"− repealed {_fmt(repealed)}."),
                expected=expected, actual=in_force, evidence=evidence[:1], data=data,
            )
            continue
        yield Finding(
            rule="H1", severity="warning",
            message_zh=(f"表二{row_zh}现行有效件数为 {_fmt(in_force)}，按{prior.document.year}年度报告现行有效 {_fmt(before)}"
                        f" + 本年制发 {_fmt(issued)} − 本年废止 {_fmt(repealed)} 推算应约为 {_fmt(expected)}"
                        "（经验规则：制发可能含修订，文件也可能失效而未废止）。"),
            message_en=(f"{row} in force is {_fmt(in_force)}; the {prior.document.year} report's {_fmt(before)} "
                        f"+ issued {_fmt(issued)} − repealed {_fmt(repealed)} gives about {_fmt(expected)} "
                        "(a heuristic: issued may include amendments, documents may lapse without repeal)."),
            expected=expected, actual=in_force, evidence=evidence, data=data,
        )


def _resolve_prior_run(prior: Result, row: str, row_zh: str, prior_in_force: float) -> Iterator[Finding]:
    """Last year's row was digits run together (D1) with several splits; H1 says which one gives this year's
    numbers (平潭 2021 "693665" → 69 | 3 | 665, since 665 + 88 − 55 = 698)."""
    for finding in prior.findings:
        cols = [ev.col for ev in finding.evidence if ev.kind == "cell" and ev.table == "active_disclosure"
                and ev.row == row]
        candidates = finding.data.get("candidates")
        if "in_force" not in cols or not candidates:
            continue
        at = cols.index("in_force")
        fitting = [c for c in candidates if len(c) == len(cols) and str(c[at]).isdigit()
                   and int(c[at]) == prior_in_force]
        if not fitting or len(fitting) == len(candidates):
            continue
        splits = "；".join(" | ".join(map(str, c)) for c in fitting)
        run = finding.data.get("run", "")
        verdict_zh = f"应拆分为 {splits}" if len(fitting) == 1 else f"只能是以下 {len(fitting)} 种拆分之一：{splits}"
        verdict_en = f"split as {splits}" if len(fitting) == 1 else f"is one of {len(fitting)} splits: {splits}"
        yield Finding(
            rule="H1", severity="info",
            message_zh=(f"{prior.document.year}年度报告表二{row_zh}的连写数字“{run}”按本年数字推算{verdict_zh}"
                        f"（上年现行有效 {_fmt(prior_in_force)}）。"),
            message_en=(f"By this year's numbers, the {prior.document.year} report's run-together {row} digits "
                        f"\"{run}\" {verdict_en} (in force last year {_fmt(prior_in_force)})."),
            expected=prior_in_force,
            evidence=[cell_evidence("active_disclosure", row, "in_force")],
            data=_prior_data(prior, row=row, run=run, prior_splits=[dict(zip(cols, c)) for c in fitting]),
        )
        return


# --- X13: stated year-on-year changes against last year's values ----------------------------------------------------


def _decimals(figure: Figure) -> int:
    match = re.search(r"[.．](\d+)", fold(figure.text))
    return len(match.group(1)) if match else 0


def _metric_value(result: Result, metric: str | None) -> int | float | None:
    """The value a metric (`table.row.col`, rows and columns may be groups or sums) has in a result: from its
    table cells, else from a figure of that report linked to the same metric."""
    from service.checks.narrative import resolve

    if not metric:
        return None
    found = resolve(result.tables, metric)
    if found is not None:
        return found.value
    linked = {f.value for f in result.figures if f.metric == metric and f.kind != "percent" and not f.change}
    return linked.pop() if len(linked) == 1 else None


def _subject_value(result: Result, base: Figure) -> int | float | None:
    if not base.subject:
        return None
    same = {f.value for f in result.figures
            if f.subject == base.subject and f.unit == base.unit and f.kind == base.kind and f.part_of is None}
    return same.pop() if len(same) == 1 else None


def _change_statements(analysis) -> Iterator[tuple[Figure, Figure]]:
    """(change, the figure it changes) pairs: "共收到申请42件，较去年增加31%" → (31%, 42件)."""
    by_id = {f.id: f for f in analysis.figures}
    for change in analysis.figures:
        if change.change not in ("increase", "decrease") or change.kind == "pp_change":
            continue
        base = by_id.get(change.refers_to) if change.refers_to else None
        if base is None and change.relation is None and change.kind == "percent":
            earlier = [f for f in analysis.figures if f.sentence == change.sentence and f.end <= change.start
                       and f.kind in ("count", "money") and not f.change]
            base = earlier[-1] if earlier else None
        if base is not None and base.kind != "percent" and (change.kind == "percent" or change.unit == base.unit):
            yield change, base


def _prior_of(base: Figure, change: Figure) -> float | None:
    """Last year's value the statement implies: 42 (+31%) → 32.06; 42 (增加 10 件) → 32."""
    sign = 1 if change.change == "increase" else -1
    if change.kind == "percent":
        factor = 1 + sign * change.value / 100
        return base.value / factor if factor > 0 else None
    return base.value - sign * change.value


@rule("X13")
def stated_change_matches_prior(analysis) -> Iterator[Finding]:
    prior = prior_report(analysis)
    if prior is None:
        return
    for change, base in _change_statements(analysis):
        actual_prior = _metric_value(prior, base.metric) if base.metric else _subject_value(prior, base)
        implied = _prior_of(base, change)
        if actual_prior is None or implied is None:
            continue
        sign = 1 if change.change == "increase" else -1
        if change.kind == "percent":
            if actual_prior == 0:
                continue
            stated, actual = sign * change.value, (base.value - actual_prior) / actual_prior * 100
            tolerance = 10 ** -_decimals(change)
            stated_text, actual_text = f"{_fmt(change.value)}%", f"{actual:+.1f}%"
        else:
            stated, actual = sign * change.value, base.value - actual_prior
            tolerance = 0.5
            stated_text, actual_text = f"{_fmt(change.value)}{change.unit}", f"{_fmt(actual)}{change.unit}"
        if change.approximate or base.approximate:
            tolerance = max(tolerance, abs(stated) * 0.05, 1.0)
        evidence = [Evidence(kind="figure", figure=f.id, start=f.start, end=f.end, page=f.page) for f in (change, base)]
        data = _prior_data(prior, implied_prior=round(implied, 2), prior_value=actual_prior, stated_change=stated,
                           actual_change=round(actual, 2), unit=change.unit, metric=base.metric, subject=base.subject)
        direction_zh = "增加" if change.change == "increase" else "减少"
        if abs(actual - stated) < tolerance:
            yield Finding(
                rule="X13", severity="info",
                message_zh=(f"“{base.text}”较上年{direction_zh}{stated_text}，与{prior.document.year}年度报告的"
                            f" {_fmt(actual_prior)} 相符。"),
                message_en=(f"The stated change of {change.text} for {base.text} agrees with {_fmt(actual_prior)} "
                            f"in the {prior.document.year} report."),
                expected=round(implied, 2), actual=actual_prior, evidence=evidence, data=data,
            )
            continue
        yield Finding(
            rule="X13", severity="warning",
            message_zh=(f"叙述称“{base.text}”较上年{direction_zh}{stated_text}，推算上年约为 {_fmt(round(implied, 1))}；"
                        f"但{prior.document.year}年度报告为 {_fmt(actual_prior)}，实际变化为 {actual_text}。"),
            message_en=(f"The report states a change of {change.text} for {base.text}, implying about "
                        f"{_fmt(round(implied, 1))} last year, but the {prior.document.year} report has "
                        f"{_fmt(actual_prior)} (an actual change of {actual_text})."),
            expected=round(implied, 2), actual=actual_prior, evidence=evidence, data=data,
        )


# --- re-running the cross-year rules on a finished result ---------------------------------------------------------


def _analysis_from_result(result: Result, history: list[Result]):
    from service.pipeline import Analysis

    info = result.document
    source = SourceInfo(sha256=info.sha256, source_name=info.source_name, format=_source_format(info.format),
                        size=0, pages=info.pages)
    return Analysis(
        document=Document(source=source, text=result.text), info=info, sections=list(result.sections),
        tables=dict(result.tables), figures=list(result.figures), findings=list(result.findings), history=history,
    )


def _source_format(fmt: str) -> str:
    return fmt if fmt in ("pdf", "docx", "html", "txt", "md") else "txt"


def is_cross_year(finding: Finding) -> bool:
    return finding.rule in HISTORY_RULES and bool(finding.data.get(CROSS_YEAR))


def _superseded(finding: Finding) -> bool:
    """A one-report X13 note ("to be confirmed against last year's report"), once last year's report is known."""
    return finding.rule == "X13" and "implied_prior" in finding.data and not finding.data.get(CROSS_YEAR)


def apply_history(result: Result, history: Iterable[Result]) -> Result:
    """The result with its cross-year findings recomputed against `history` (and the old ones dropped)."""
    analysis = _analysis_from_result(result, list(history))
    fresh = [f for rule_id in HISTORY_RULES for f in RULES.get(rule_id)(analysis)]
    has_prior = prior_report(analysis) is not None
    kept = [f for f in result.findings if not is_cross_year(f) and not (has_prior and _superseded(f))]
    return result.model_copy(update={"findings": sort_findings(kept + fresh)})
