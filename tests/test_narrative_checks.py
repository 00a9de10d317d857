"""Narrative ↔ table and narrative self-consistency checks (format-spec §7 X1–X15) on the seed, the real corpus and
the example sentences, with tables built by hand (the tables stage is tested on its own)."""

from __future__ import annotations

import re

import pytest

from service.checks.registry import RULES
from service.ingest import ingest
from service.pipeline import STAGES, Analysis
from service.result import Cell, DocumentInfo, TableResult
from tests.conftest import REAL, ROOT

NARRATIVE_RULES = ["X1", "X2", "X3", "X4", "X5", "X6", "X7", "X8", "X9", "X10", "X11", "X12", "X13.implied", "X14",
                   "X15", "X16"]
COLUMNS = ["natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total"]
REQUEST_ROWS = [
    "new_received", "carried_over", "granted", "partial", "denied.state_secret", "denied.law_prohibited",
    "denied.security_stability", "denied.third_party", "denied.internal_affairs", "denied.process_info",
    "denied.enforcement_file", "denied.query_item", "unable.not_held", "unable.needs_creation", "unable.still_unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication", "not_processed.mass_repeat",
    "not_processed.confirm_existing", "other.no_correction", "other.unpaid_fee", "other.other", "total",
    "carried_forward",
]


def cell(value: int | float | None) -> Cell:
    return Cell(value=value, raw="" if value is None else str(value), status="blank" if value is None else "number")


def requests_table(**rows: int | dict[str, int]) -> TableResult:
    """Table 三 with the given 总计 values (or {column: value} per row); every other cell 0."""
    grid = {}
    for row in REQUEST_ROWS:
        given = rows.get(row.replace(".", "__"), 0)
        values = given if isinstance(given, dict) else {"natural_person": given, "total": given}
        grid[row] = {col: cell(values.get(col, 0)) for col in COLUMNS}
    return TableResult(template="2021", rows=grid)


def review_table(review=(0, 0, 0, 0, 0), direct=(0, 0, 0, 0, 0), after_review=(0, 0, 0, 0, 0)) -> TableResult:
    cols = ["upheld", "corrected", "other", "pending", "total"]
    return TableResult(template="2021", rows={
        name: {c: cell(v) for c, v in zip(cols, values)}
        for name, values in (("review", review), ("litigation_direct", direct), ("litigation_after_review",
                                                                               after_review))})


def disclosure_table(issued=0, repealed=0, in_force=0) -> TableResult:
    return TableResult(template="2021", rows={
        "normative_documents": {"issued": cell(issued), "repealed": cell(repealed), "in_force": cell(in_force)}})


def check(document, requests=None, review=None, disclosure=None, year=None):
    info = DocumentInfo(sha256=document.source.sha256, source_name=document.source.source_name,
                        format=document.source.format, year=year)
    analysis = Analysis(document=document, info=info)
    STAGES.get("figures")(analysis)
    analysis.tables = {"requests": requests, "review_litigation": review, "active_disclosure": disclosure}
    return analysis, [f for rule_id in NARRATIVE_RULES for f in RULES.get(rule_id)(analysis)]


def text_document(text: str):
    return ingest(text.encode("utf-8"), "excerpt.txt")


def real_document(name: str):
    return ingest((REAL / name).read_bytes(), name)


def spec_sentences() -> dict[str, str]:
    spec = (ROOT / "docs" / "format-spec.md").read_text(encoding="utf-8")
    return dict(re.findall(r'^\* \*\*(E\d\d)\*\* "(.*?)"(?:\s|$)', spec, re.M))


def by_rule(findings, rule_id):
    return [f for f in findings if f.rule == rule_id]


SEED_REQUESTS = dict(new_received=42, granted=16, partial=7, denied__process_info=1, unable__not_held=8,
                     not_processed__petition=6, not_processed__duplicate=1, other__other=3, total=42)


@pytest.fixture(scope="module")
def seed_document(seed_bytes):
    return ingest(seed_bytes, "gusu_2023_report.txt")


def test_seed_is_consistent_with_its_tables(seed_document):
    analysis, findings = check(seed_document, requests_table(**SEED_REQUESTS),
                               review_table(direct=(1, 0, 0, 0, 1)), disclosure_table(5, 1, 13))
    assert [(f.rule, f.severity) for f in findings] == [("X13", "info")]
    (implied,) = findings
    assert implied.data["implied_prior"] == pytest.approx(32.06, abs=0.01)
    assert implied.data["current"] == 42 and implied.data["change"] == 31
    assert "推算上年为 32 件" in implied.message_zh  # 31 % ± 0.5 from 42 leaves one whole number
    assert {e.kind for e in implied.evidence} == {"figure"}
    linked = {f.metric: f.value for f in analysis.figures if f.metric}
    assert linked["requests.total.total"] == 42
    assert linked["active_disclosure.normative_documents.in_force"] == 13


def test_a_narrative_figure_that_disagrees_with_its_cell(seed_document):
    _, findings = check(seed_document, requests_table(**{**SEED_REQUESTS, "total": 41, "other__other": 2}))
    (x2,) = by_rule(findings, "X2")
    assert (x2.severity, x2.expected, x2.actual) == ("error", 41, 42)
    assert [e.kind for e in x2.evidence] == ["figure", "cell"]
    assert (x2.evidence[1].table, x2.evidence[1].row, x2.evidence[1].col) == ("requests", "total", "total")
    (x8,) = by_rule(findings, "X8")
    assert (x8.expected, x8.actual) == (2, 3)
    assert "其他处理" in x8.message_zh and x8.message_en


def test_group_rows_are_summed(seed_document):
    _, findings = check(seed_document, requests_table(**{**SEED_REQUESTS, "denied__process_info": 0,
                                                         "denied__third_party": 2}))
    (x5,) = by_rule(findings, "X5")
    assert (x5.expected, x5.actual) == (2, 1)
    assert len([e for e in x5.evidence if e.kind == "cell"]) == 8


def test_stcsm_2024_parts_do_not_add_up():
    _, findings = check(real_document("shanghai_stcsm_2024.md"))
    (x12,) = by_rule(findings, "X12")
    assert (x12.severity, x12.expected, x12.actual) == ("error", 2139, 2160)
    assert x12.data["parts"] == [1744, 393, 21, 2]


def test_hongze_2024_office_scope_lowers_the_severity():
    _, findings = check(real_document("jiangsu_huaian_hongze_district_2024.pdf"),
                        requests_table(new_received=95, granted=95, total=95))
    (x1,) = by_rule(findings, "X1")
    assert (x1.severity, x1.expected, x1.actual) == ("warning", 95, 17)
    assert "范围" in x1.message_zh and "scope" in x1.message_en


def test_changchun_received_mismatch_is_an_error():
    _, findings = check(text_document(spec_sentences()["E19"]), requests_table(new_received=3, total=3))
    (x1,) = by_rule(findings, "X1")
    assert (x1.severity, x1.expected, x1.actual) == ("error", 3, 2)


def test_pingtan_2022_counts_carried_over_as_received():
    new = {"natural_person": 71, "commercial": 3, "total": 74}
    carried = {"natural_person": 1, "total": 1}
    _, findings = check(real_document("fujian_pingtan_zone_2022.txt"),
                        requests_table(new_received=new, carried_over=carried, granted=75, total=75),
                        review_table(review=(0, 1, 1, 0, 2), direct=(1, 0, 0, 0, 1)))
    x1 = by_rule(findings, "X1")
    assert {(f.severity, f.actual, f.expected) for f in x1} == {("info", 75, 74), ("info", 72, 71)}
    assert all(f.data["matches"] == "new_received+carried_over" for f in x1)
    assert not by_rule(findings, "X9") and not by_rule(findings, "X10")


@pytest.mark.parametrize("name,total,parts_sum", [
    ("fujian_pingtan_approval_2022.txt", 364, 353),
    ("fujian_pingtan_finance_2021.txt", 510, 477),
])
def test_manifest_parts_inconsistencies(name, total, parts_sum):
    _, findings = check(real_document(name))
    (x12,) = by_rule(findings, "X12")
    assert (x12.severity, x12.expected, x12.actual) == ("error", total, parts_sum)


def test_information_items_are_not_applications():
    """"制作政府信息总数110条，其中…不予公开政府信息4条" counts documents, not denied applications."""
    _, findings = check(real_document("fujian_pingtan_office_2021.txt"),
                        requests_table(new_received=23, granted=2, partial=3, denied__internal_affairs=1,
                                       unable__not_held=17, total=23))
    assert not [f for f in findings if f.rule.startswith("X") and f.severity != "info"]


def test_shanghai_2019_outcomes_and_shares():
    sentences = spec_sentences()
    document = text_document(sentences["E84"] + sentences["E85"])
    requests = requests_table(new_received=859, carried_over=18, granted=272, partial=3, denied__state_secret=35,
                              unable__not_held=337, not_processed__petition=158, total=805, carried_forward=72)
    _, findings = check(document, requests)
    assert {(f.rule, f.expected, f.actual) for f in findings if f.severity == "error"} == {
        ("X4", 275, 258), ("X6", 337, 265)}
    (x11,) = by_rule(findings, "X11")
    assert x11.actual == 33.9 and x11.expected == pytest.approx(32.0, abs=0.1)


def test_truncated_and_rounded_shares_pass():
    sentences = spec_sentences()
    document = text_document(sentences["E08"] + sentences["E09"])
    requests = requests_table(new_received=130, granted=50, partial=9, denied__state_secret=32,
                              unable__not_held=26, not_processed__petition=1, other__other=12, total=130)
    _, findings = check(document, requests)
    assert [f.rule for f in findings] == ["X13"]


def test_fees_stated_twice_differently():
    document = text_document("六、其他需要报告的事项\n全年收取政府信息公开信息处理费 3940 元。\n本年度未收取信息处理费。")
    _, findings = check(document)
    (x15,) = by_rule(findings, "X15")
    assert x15.severity == "error" and x15.data["values"] == [3940, 0]


def test_fees_stated_once_are_fine(seed_document):
    _, findings = check(seed_document)
    assert not by_rule(findings, "X15")


def test_same_metric_stated_twice_differently():
    document = text_document("2023年，全区共受理政府信息公开申请 21 件。\n总之，本年度受理政府信息公开申请 23 件。")
    _, findings = check(document)
    (x16,) = by_rule(findings, "X16")
    assert (x16.expected, x16.actual) == (21, 23) and len(x16.evidence) == 2


def test_review_and_litigation_against_table_four():
    document = text_document(spec_sentences()["E57"])
    _, ok = check(document, review=review_table((72, 64, 178, 37, 351), (13, 4, 8, 1, 26), (12, 1, 1, 6, 20)))
    assert not [f for f in ok if f.rule in ("X9", "X10")]
    _, bad = check(document, review=review_table((72, 64, 178, 37, 351), (13, 4, 7, 1, 25), (12, 1, 1, 6, 20)))
    assert {(f.rule, f.expected, f.actual) for f in bad if f.rule == "X10"} == {("X10", 45, 46), ("X10", 8, 9)}


def test_normative_documents_against_table_two():
    document = text_document(spec_sentences()["E44"])
    _, findings = check(document, disclosure=disclosure_table(issued=88, repealed=55, in_force=698))
    assert not by_rule(findings, "X14")
    _, findings = check(document, disclosure=disclosure_table(issued=8, repealed=55, in_force=698))
    (x14,) = by_rule(findings, "X14")
    assert (x14.expected, x14.actual, x14.severity) == (8, 88, "warning")


def test_every_finding_speaks_both_languages(seed_document):
    _, findings = check(seed_document, requests_table(new_received=40, total=41))
    assert findings
    assert all(f.message_zh and f.message_en for f in findings)


def test_none_stated_in_words_against_table_four():
    document = text_document(spec_sentences()["E35"])
    _, findings = check(document, review=review_table(review=(0, 0, 0, 1, 1)))
    (x9,) = by_rule(findings, "X9")
    assert (x9.severity, x9.expected, x9.actual, x9.data["zero_claim"]) == ("error", 1, 0, True)
    assert x9.evidence[0].kind == "text" and not by_rule(findings, "X10")
    _, findings = check(document, review=review_table())
    assert not by_rule(findings, "X9") and not by_rule(findings, "X10")


def test_a_negated_outcome_is_not_a_zero_count():
    document = text_document("全年未发生因依申请公开被行政复议纠错或行政诉讼败诉情形。")
    _, findings = check(document, review=review_table((40, 0, 10, 5, 55), (2, 0, 4, 6, 12)))
    assert not by_rule(findings, "X9") and not by_rule(findings, "X10")


def test_finance_2021_share_computed_on_the_parts_not_the_total():
    _, findings = check(real_document("fujian_pingtan_finance_2021.txt"))
    (x11,) = by_rule(findings, "X11")
    assert (x11.actual, x11.expected) == (41.5, 38.8)
    assert x11.data["matches_sum_of_parts"] == 477


# The whole pipeline (ingest → tables → figures → checks) on every real report: the narrative findings it makes, all
# of them true ones (format-spec §7, MANIFEST.tsv). X13 (info) records an implied prior-year value.
CORPUS_NARRATIVE_FINDINGS = {
    "fujian_pingtan_approval_2022.txt": {("X12", "error", 353)},
    "fujian_pingtan_econdev_2023.txt": {("X1", "error", 0)},
    "fujian_pingtan_finance_2021.txt": {("X12", "error", 477), ("X11", "warning", 41.5)},
    "fujian_pingtan_zone_2022.txt": {("X1", "info", 75), ("X1", "info", 72)},
    "jiangsu_huaian_hongze_district_2024.pdf": {("X1", "warning", 17)},
    "shanghai_city_office_2025.md": {("X13", "info", None)},
    "shanghai_stcsm_2024.md": {("X12", "error", 2160)},
}


def test_seed_end_to_end():
    from service.pipeline import analyze_bytes

    result = analyze_bytes((ROOT / "corpora" / "seed" / "gusu_2023_report.txt").read_bytes(), "gusu.txt")
    assert [(f.rule, f.severity) for f in result.findings if f.rule.startswith("X")] == [("X13", "info")]
    assert len(result.figures) == 25 and sum(1 for f in result.figures if f.metric) == 7


@pytest.mark.parametrize("path", sorted(p for p in REAL.iterdir() if p.name != "MANIFEST.tsv"), ids=lambda p: p.name)
def test_corpus_narrative_findings(path):
    from service.pipeline import analyze_bytes

    result = analyze_bytes(path.read_bytes(), path.name)
    found = {(f.rule, f.severity, None if f.rule == "X13" else f.actual)
             for f in result.findings if f.rule.startswith("X")}
    assert found == CORPUS_NARRATIVE_FINDINGS.get(path.name, set())


@pytest.mark.parametrize("text", [
    "2022年全区共受理申请227件，其中区政府受理36件，法定时限办结率100%。",  # a part, narrower scope
    "全年共办理政府信息公开申请80件，已答复69件，其中11件顺延至下一年度办理。",  # one sentence, two meanings
])
def test_a_metric_named_twice_in_one_breath_is_no_contradiction(text):
    _, findings = check(text_document(text))
    assert not by_rule(findings, "X16")


@pytest.mark.parametrize("text, total, parts_sum", [
    # 其中 in brackets: the parts end at the closing bracket (36 = 32 + 2 + 2)
    ("2024年，我办共受理依申请公开事项36件(其中:自然人申请32件、企业申请2件、其他组织申请2件),上年结转7件,予以公开3件、"
     "部分公开24件、无法提供12件、结转下年度办理4件。", 36, 36),
    # 共计 right before a part's number is that part's count, not a new total (1105 + 2896 + 2004)
    ("主动公开政府信息6391条,其中概况类信息1105条;政务动态类信息2896条;政府文件、工作报告等民众关心的其他信息共计2004条。",
     6391, 6005),
])
def test_parts_are_read_to_where_the_list_ends(text, total, parts_sum):
    analysis, findings = check(text_document(text))
    figure = next(f for f in analysis.figures if f.value == total)
    assert sum(f.value for f in analysis.figures if f.part_of == figure.id) == parts_sum
    assert [(f.expected, f.actual) for f in by_rule(findings, "X12")] == ([] if parts_sum == total else
                                                                          [(total, parts_sum)])


@pytest.mark.parametrize("text", [
    # an excerpt cut off mid-list
    "2023年县政府门户网站发布信息12205条,其中政务要闻栏目全年发布信息5974条、法定政府信息公开栏目发布信息5561条、概况类信息更新",
    # parts in another measure word are a selection
    "全年通过门户网站、微信公众号、微博等渠道公开各类信息1812条,其中行政规范性文件13件,重大项目批复105件,建议提案复文14件。",
])
def test_a_list_that_may_be_incomplete_raises_no_x12(text):
    analysis, findings = check(text_document(text))
    assert not by_rule(findings, "X12")
    assert any(f.relation == "total" and f.parts_open for f in analysis.figures)


def test_implied_prior_is_shown_at_the_precision_it_was_written():
    from service.checks.narrative import describe_prior
    from service.result import Figure

    def figure(value, unit, approximate=False):
        return Figure(id="f1", text="", start=0, end=1, sentence=(0, 1), value=value, unit=unit, kind="count",
                      approximate=approximate)

    assert describe_prior(31.94, 32.18, figure(42, "件")) == "32 件"
    assert describe_prior(2_933_698, 2_953_168, figure(5_360_000, "")) == "293.4万–295.3万"
    assert describe_prior(12.2, 14.9, figure(20, "个", approximate=True)) == "12.2–14.9 个"


def test_an_unmarked_list_that_adds_up_exactly_is_a_breakdown():
    text = ("2021年,共主动公开各类政府信息82条,机构领导、机构设置及人事信息3条,规划计划2条,"
            "财务预决算、“三公”经费和财政专项经费管理信息4条,其他信息73条。")
    analysis, findings = check(text_document(text))
    total = next(f for f in analysis.figures if f.value == 82)
    assert [f.value for f in analysis.figures if f.part_of == total.id] == [3, 2, 4, 73]
    assert not by_rule(findings, "X12")
