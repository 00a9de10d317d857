"""The `tables` stage: the document's raw tables → tables 二/三/四 in the schema of result-schema.md, plus findings
for what could not be read (a missing table, an unmapped row, a text cell, run-together digits)."""

from __future__ import annotations

from collections import defaultdict

from service.findings import Finding, cell_evidence
from service.pipeline import STAGES, Analysis
from service.result import TableResult
from service.tables.labels import cell_zh, narrative_hints, row_zh, vocabulary
from service.tables.mapping import (
    DOMAIN_RULE,
    TableBuild,
    detect_template,
    group_rows,
    missing_rows,
    narrow,
    place_rows,
    read_cells,
    recognized,
    resolve_jointly,
    settle_runs,
    table_evidence,
    to_result,
)
from service.tables.recognize import rows_of
from service.text import fold


@STAGES.register("tables")
def extract_tables(analysis: Analysis) -> None:
    rows = rows_of(analysis.document.tables)
    groups = group_rows(rows)
    for key, table_rows in groups.items():
        build = TableBuild(key=key, template=detect_template(key, table_rows, rows))
        place_rows(build, table_rows, vocabulary()[key])
        read_cells(build)
        resolve_jointly(build)
        if key == "active_disclosure":
            _narrow_by_narrative(build, analysis.document.text)
            _narrow_by_other_years(build, analysis)
        settle_runs(build)
        result = to_result(build)
        analysis.tables[key] = result
        if recognized(build):
            analysis.findings.extend(build.findings)
        analysis.findings.extend(_coverage_findings(build, result, analysis))
        if result is not None:
            analysis.findings.extend(_text_cell_findings(key, result))
    _settle_template(analysis)


def _settle_template(analysis: Analysis) -> None:
    """Table 四 is the same in both formats: it takes the version tables 二/三 show. The document's version, when
    metadata could not tell it, is the newest any table shows; a table older than its year is noted (D10)."""
    shown = [analysis.tables[k].template for k in ("active_disclosure", "requests") if analysis.tables[k]]
    if not shown:
        return
    template = "2021" if "2021" in shown else "2019"
    if analysis.tables["review_litigation"] is not None:
        analysis.tables["review_litigation"].template = template
    if analysis.info.template == "unknown":
        analysis.info.template = template
    year = analysis.info.year
    if not year or year < 2019:
        return
    expected = "2021" if year >= 2021 else "2019"
    for key in ("active_disclosure", "requests"):
        table = analysis.tables[key]
        if table is None or table.template == expected:
            continue
        analysis.findings.append(Finding(
            rule="D10", severity="info",
            message_zh=f"{vocabulary()[key].name}按 {table.template} 年版格式填报，而 {year} 年度报告应使用 {expected} 年版格式；"
                       f"按其实际版式读取。",
            message_en=f"table {key} follows the {table.template} format although a {year} report should use the "
                       f"{expected} format; it was read as laid out",
            expected=expected, actual=table.template, evidence=[table_evidence(key, None, table.page)],
        ))


def _narrow_by_narrative(build: TableBuild, text: str) -> None:
    """X14: "制发…行政规范性文件 N 件" names a cell of table 二; a cut that disagrees with it is dropped."""
    stated: dict[tuple[str, str], set[int]] = defaultdict(set)
    folded = fold(text)
    for hint in narrative_hints():
        for match in hint.pattern.finditer(folded):
            stated[(hint.row, hint.col)].add(int(match.group(1)))
    for (row, col), values in stated.items():
        narrow(build, row, lambda cut, r=row, c=col, v=values: cut.get((r, c)) in v, "X14")


def _narrow_by_other_years(build: TableBuild, analysis: Analysis) -> None:
    """H1: in_force(y) = in_force(y−1) + issued(y) − repealed(y), with last year's or next year's table at hand."""
    year = analysis.info.year
    if not year or build.template != "2021":
        return
    by_year = {r.document.year: r.tables.get("active_disclosure") for r in analysis.history}
    before, after = by_year.get(year - 1), by_year.get(year + 1)
    for row in ("rules", "normative_documents"):
        previous = _number(before, row, "in_force")
        if previous is not None:
            narrow(build, row, lambda cut, r=row, p=previous:
                   cut[(r, "in_force")] == p + cut[(r, "issued")] - cut[(r, "repealed")], "H1")
        following = [_number(after, row, col) for col in ("in_force", "issued", "repealed")]
        if None not in following:
            in_force, issued, repealed = following
            narrow(build, row, lambda cut, r=row, v=in_force - issued + repealed: cut[(r, "in_force")] == v, "H1")


def _number(table: TableResult | None, row: str, col: str) -> int | float | None:
    if table is None or table.template != "2021":
        return None
    cell = table.rows.get(row, {}).get(col)
    return cell.value if cell is not None and cell.status == "number" else None


def _coverage_findings(build: TableBuild, result: TableResult | None, analysis: Analysis) -> list[Finding]:
    name_zh = vocabulary()[build.key].name
    if result is None:
        pre_2019 = analysis.info.template == "pre-2019"
        why_zh = "（该报告使用 2019 年以前的格式）" if pre_2019 else ""
        why_en = " (the report uses the pre-2019 format)" if pre_2019 else ""
        return [Finding(
            rule="TABLE", severity="warning",
            message_zh=f"未能找到或未能对应{name_zh}{why_zh}，该表的数据均未读取。",
            message_en=f"table {build.key} was not found or could not be mapped{why_en}; none of its cells were read",
            evidence=[table_evidence(build.key, None, None)], data={"code": "table_missing", "table": build.key},
        )]
    missing = missing_rows(build)
    leftovers = [r.label or " ".join(v.text for v in r.values) for r in build.unplaced]
    findings = []
    if missing:
        findings.append(Finding(
            rule="TABLE", severity="warning",
            message_zh=f"{name_zh}部分未能对应，缺少的行：{'、'.join(row_zh(build.key, r) for r in missing)}。",
            message_en=f"table {build.key} only partly mapped; rows not found: {', '.join(missing)}",
            evidence=[table_evidence(build.key, row, result.page) for row in missing],
            data={"code": "table_partial", "table": build.key, "missing_rows": missing},
        ))
    if build.placed_by_order:
        rows_zh = "、".join(row_zh(build.key, r) for r in build.placed_by_order)
        findings.append(Finding(
            rule="D16", severity="info",
            message_zh=f"{name_zh}中有 {len(build.placed_by_order)} 行数字缺少行标签，按表格模板的行序归位：{rows_zh}。",
            message_en=f"{len(build.placed_by_order)} rows of table {build.key} had numbers without a row label and "
                       f"were placed by the template's row order: {', '.join(build.placed_by_order)}",
            evidence=[table_evidence(build.key, r, result.page) for r in build.placed_by_order],
            data={"rows": build.placed_by_order},
        ))
    if leftovers:
        findings.append(Finding(
            rule="TABLE", severity="warning" if missing else "info",
            message_zh=f"{name_zh}中有 {len(leftovers)} 个原始行无法归位：{leftovers}。",
            message_en=f"{len(leftovers)} raw rows near table {build.key} could not be placed: {leftovers}",
            evidence=[table_evidence(build.key, None, r.page) for r in build.unplaced[:1]],
            data={"code": "rows_unplaced", "table": build.key, "unplaced": leftovers},
        ))
    return findings


def _text_cell_findings(key: str, result: TableResult) -> list[Finding]:
    findings = []
    for row, cols in result.rows.items():
        for col, cell in cols.items():
            if cell.status != "text":
                continue
            findings.append(Finding(
                rule=DOMAIN_RULE[key], severity="warning",
                message_zh=f"{vocabulary()[key].name}{cell_zh(key, row, col)}不是数字：“{cell.raw}”。",
                message_en=f"cell {key}.{row}.{col} is not a number: {cell.raw!r}",
                actual=cell.raw, evidence=[cell_evidence(key, row, col, cell.page)],
                data={"code": "text_cell"},
            ))
    return findings
