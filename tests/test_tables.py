"""Tables 二/三/四 from the seed and the real corpus: every seed cell exact, the corpus's known inconsistencies found
at the right cells (MANIFEST.tsv), no error on the consistent tables, run-together digits resolved, gold accuracy."""

from __future__ import annotations

import json

import pytest

from service.pipeline import analyze_bytes
from service.result import Result
from tests.conftest import CORPORA, SEED, real_files

STAGES = ["ingest_notes", "metadata", "sections", "tables", "checks"]
TABLE_RULES = ["R1", "R2", "R3", "R5", "R10", "R11", "R12", "R13", "H2", "H3", "D7"]
GOLD = CORPORA / "gold" / "tables"


def analyze(path, **kwargs) -> Result:
    return analyze_bytes(path.read_bytes(), path.name, stages=STAGES, options={"rules": TABLE_RULES}, **kwargs)


@pytest.fixture(scope="module")
def seed() -> Result:
    return analyze(SEED)


@pytest.fixture(scope="module")
def corpus() -> dict[str, Result]:
    return {path.name: analyze(path) for path in real_files()}


def values(result: Result, table: str, row: str) -> list:
    return [c.value for c in result.tables[table].rows[row].values()]


def errors(result: Result) -> set[tuple[str, str, str]]:
    """(rule, row, col) of each error, at the first evidence cell."""
    return {(f.rule, f.evidence[0].row, f.evidence[0].col) for f in result.findings if f.severity == "error"}


# ------------------------------------------------------------------------------------------------------------ seed


def test_seed_table_three_every_cell(seed):
    table = seed.tables["requests"]
    assert table.template == "2021"
    total = {row: cols["total"].value for row, cols in table.rows.items()}
    assert total == {
        "new_received": 42, "carried_over": 0, "granted": 16, "partial": 7,
        "denied.state_secret": 0, "denied.law_prohibited": 0, "denied.security_stability": 0,
        "denied.third_party": 0, "denied.internal_affairs": 0, "denied.process_info": 1,
        "denied.enforcement_file": 0, "denied.query_item": 0,
        "unable.not_held": 8, "unable.needs_creation": 0, "unable.still_unclear": 0,
        "not_processed.petition": 6, "not_processed.duplicate": 1, "not_processed.publication": 0,
        "not_processed.mass_repeat": 0, "not_processed.confirm_existing": 0,
        "other.no_correction": 0, "other.unpaid_fee": 0, "other.other": 3,
        "total": 42, "carried_forward": 0,
    }
    for row, cols in table.rows.items():
        assert cols["natural_person"].value == cols["total"].value, row
        assert [cols[c].value for c in ("commercial", "research", "social_welfare", "legal_service", "other_org")] \
            == [0] * 5, row
        assert all(c.status == "number" for c in cols.values())


def test_seed_table_four_every_cell(seed):
    table = seed.tables["review_litigation"]
    assert all(c.status == "blank" and c.value is None for c in table.rows["review"].values())
    assert values(seed, "review_litigation", "litigation_direct") == [1, 0, 0, 0, 1]
    assert values(seed, "review_litigation", "litigation_after_review") == [0, 0, 0, 0, 0]


def test_seed_table_two(seed):
    table = seed.tables["active_disclosure"]
    assert table.template == "2021"
    assert values(seed, "active_disclosure", "rules") == [0, 0, 0]
    assert values(seed, "active_disclosure", "normative_documents") == [5, 1, 13]
    for row in ("licensing", "penalty", "coercion", "fees"):
        assert values(seed, "active_disclosure", row) == [0]


def test_seed_has_no_error_and_says_blanks_count_as_zero(seed):
    assert not [f for f in seed.findings if f.severity == "error"]
    blanks = [f for f in seed.findings if f.rule == "D7"]
    assert len(blanks) == 1 and blanks[0].severity == "info"
    assert {(e.table, e.row) for e in blanks[0].evidence} == {("review_litigation", "review")}
    assert len(blanks[0].evidence) == 5


def test_every_finding_is_bilingual(seed, corpus):
    for result in [seed, *corpus.values()]:
        for finding in result.findings:
            assert finding.message_zh and finding.message_en, finding


# ------------------------------------------------------------------------------------------------- real corpus

KNOWN_ERRORS = {
    # MANIFEST: 洪泽区 2023 表四 reads 10 1 0 0 0 | 0 0 0 0 0 | 5 0 0 0 0 (R10 and R12 fail)
    "jiangsu_huaian_hongze_district_2023.pdf": {("R10", "review", "total"),
                                                ("R12", "litigation_after_review", "total")},
    # MANIFEST: 经济发展局 2023 表三 一 = 3 but every result row, 总计 and 结转 are 0 (R1)
    "fujian_pingtan_econdev_2023.txt": {("R1", "total", "natural_person"), ("R1", "total", "total")},
}


@pytest.mark.parametrize("name", [p.name for p in real_files()])
def test_real_corpus_errors_match_the_manifest(corpus, name):
    assert errors(corpus[name]) == KNOWN_ERRORS.get(name, set())


def test_hongze_2023_findings_name_the_broken_cells(corpus):
    result = corpus["jiangsu_huaian_hongze_district_2023.pdf"]
    r10 = next(f for f in result.findings if f.rule == "R10")
    assert (r10.expected, r10.actual) == (11, 0)
    assert {(e.row, e.col) for e in r10.evidence} == {("review", c) for c in
                                                     ("total", "upheld", "corrected", "other", "pending")}
    assert all(e.page == 4 for e in r10.evidence)
    r12 = next(f for f in result.findings if f.rule == "R12")
    assert (r12.expected, r12.actual) == (5, 0)


@pytest.mark.parametrize("name", [p.name for p in real_files()])
def test_every_real_document_yields_its_tables_or_says_why(corpus, name):
    result = corpus[name]
    for key, table in result.tables.items():
        if table is None:
            assert any(f.rule == "TABLE" and f.data.get("table") == key for f in result.findings), key


def test_pre_2019_report_has_no_standard_tables(corpus):
    result = corpus["fujian_pingtan_zone_2018.txt"]
    assert result.tables == {"active_disclosure": None, "requests": None, "review_litigation": None}


@pytest.mark.parametrize("name, row, expected", [
    ("fujian_pingtan_zone_2021.txt", "new_received", [64, 0, 0, 2, 0, 4, 70]),
    ("fujian_pingtan_zone_2021.txt", "unable.not_held", [22, 0, 0, 0, 0, 3, 25]),
    ("fujian_pingtan_zone_2021.txt", "total", [63, 0, 0, 2, 0, 4, 69]),
    ("fujian_pingtan_zone_2022.txt", "new_received", [71, 3, 0, 0, 0, 0, 74]),
    ("fujian_pingtan_zone_2024.txt", "new_received", [217, 1, 0, 0, 0, 0, 218]),
    ("fujian_pingtan_police_2024.txt", "partial", [1, 0, 0, 0, 0, 0, 1]),
])
def test_pingtan_run_together_requests_rows(corpus, name, row, expected):
    assert values(corpus[name], "requests", row) == expected


@pytest.mark.parametrize("name, expected", [
    ("fujian_pingtan_zone_2021.txt", [1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0]),
    ("fujian_pingtan_zone_2024.txt", [2, 1, 3, 1, 7, 0, 0, 0, 0, 0, 13, 2, 4, 0, 19]),
])
def test_pingtan_run_together_table_four(corpus, name, expected):
    result = corpus[name]
    got = [v for row in ("review", "litigation_direct", "litigation_after_review")
           for v in values(result, "review_litigation", row)]
    assert got == expected
    resolved = [f for f in result.findings if f.rule == "D1" and f.evidence[0].table == "review_litigation"]
    assert len(resolved) == 1 and resolved[0].severity == "info"


def test_table_two_run_resolved_by_the_narrative(corpus):
    """平潭 2022 "8855698" = 88 | 55 | 698: the narrative's 制发 88 件 and 现行有效 698 件 (X14)."""
    result = corpus["fujian_pingtan_zone_2022.txt"]
    assert values(result, "active_disclosure", "normative_documents") == [88, 55, 698]
    finding = next(f for f in result.findings if f.rule == "D1" and f.evidence[0].table == "active_disclosure")
    assert finding.data["resolved_by"] == ["X14"]


def test_table_two_run_left_ambiguous_with_candidates(corpus):
    """平潭 2024 "6233440": the narrative fixes 制发 62; 废止/现行有效 stay open, with every candidate listed."""
    result = corpus["fujian_pingtan_zone_2024.txt"]
    row = result.tables["active_disclosure"].rows["normative_documents"]
    assert row["issued"].value == 62 and row["issued"].status == "number"
    assert row["repealed"].status == row["in_force"].status == "ambiguous"
    finding = next(f for f in result.findings if f.rule == "D1" and f.severity == "warning")
    assert ["62", "33", "440"] in finding.data["candidates"]
    assert finding.data["candidate_count"] == len(finding.data["candidates"]) > 1


def test_last_year_settles_a_table_two_run():
    """H1 with the next year's report: 平潭 2021 现行有效 = 698 − 88 + 55 = 665."""
    later = analyze(CORPORA / "real" / "fujian_pingtan_zone_2022.txt")
    result = analyze(CORPORA / "real" / "fujian_pingtan_zone_2021.txt", history=[later])
    cell = result.tables["active_disclosure"].rows["normative_documents"]["in_force"]
    assert (cell.status, cell.value) == ("number", 665)


def test_markdown_rows_detached_from_labels_are_placed_by_template_order(corpus):
    """D16 (上海市科委 2024): label-less rows fill the template rows between their labelled neighbours."""
    result = corpus["shanghai_stcsm_2024.md"]
    assert values(result, "requests", "other.no_correction") == [8, 2, 0, 0, 0, 0, 10]
    assert values(result, "requests", "unable.needs_creation") == [6, 0, 0, 0, 0, 0, 6]
    placed = next(f for f in result.findings if f.rule == "D16" and f.evidence[0].table == "requests")
    assert {"partial", "unable.not_held", "other.no_correction"} <= set(placed.data["rows"])
    blank_total = result.tables["requests"].rows["carried_forward"]["total"]
    assert blank_total.status == "blank"
    assert not [f for f in result.findings if f.rule == "R3"]


def test_2019_row_in_a_2021_report_is_read_as_the_2019_template(corpus):
    """D10: 洪泽 keeps the single row （六）其他处理."""
    table = corpus["jiangsu_huaian_hongze_district_2024.pdf"].tables["requests"]
    assert table.template == "2019"
    assert "other" in table.rows and "other.other" not in table.rows
    assert table.rows["denied.law_prohibited"]["total"].value == 0  # typo 其他法律行政止公开 (D6)


# --------------------------------------------------------------------------------------------------------- gold


def gold_files():
    return sorted(GOLD.glob("*.json"))


@pytest.mark.parametrize("gold_file", gold_files(), ids=lambda p: p.stem)
def test_cells_agree_with_gold(corpus, seed, gold_file):
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    result = seed if gold["source"] == SEED.name else corpus[gold["source"]]
    wrong, total = [], 0
    for key, table in gold["tables"].items():
        if table is None:
            assert result.tables[key] is None
            continue
        for row, cols in table["rows"].items():
            for col, value in cols.items():
                total += 1
                cell = (result.tables[key].rows.get(row, {}).get(col) if result.tables[key] else None)
                if cell is None or cell.value != value or (value is None and cell.status != "blank"):
                    wrong.append(f"{key}.{row}.{col}")
    # what is still missed (markdown table 二 cut into text lines, table 二 runs nothing settles) stays visible here
    assert total == 0 or (total - len(wrong)) / total >= 0.95, wrong
