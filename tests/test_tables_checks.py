"""The table checks on their own: one changed cell of a consistent table is reported at that cell by the right rule
(R9: once, not once per identity it breaks); blanks never raise an error on their own; cells, labels and digit runs."""

from __future__ import annotations

import pytest

from service.checks.registry import RULES
from service.pipeline import Analysis, analyze_bytes
from service.result import Cell, Result
from service.tables.cells import parse_cell
from service.tables.digits import splits
from service.tables.labels import match_label
from tests.conftest import REAL, SEED

TABLE_RULES = ["R1", "R2", "R3", "R5", "R10", "R11", "R12", "R13", "H2", "H3", "D7"]


@pytest.fixture(scope="module")
def consistent() -> dict[str, Result]:
    """The seed and a big consistent table (淮安市 2024: every column non-trivial)."""
    stages = ["ingest_notes", "metadata", "sections", "tables"]
    return {
        "seed": analyze_bytes(SEED.read_bytes(), SEED.name, stages=stages),
        "huaian": analyze_bytes((REAL / "jiangsu_huaian_city_2024.pdf").read_bytes(), "huaian.pdf", stages=stages),
    }


def run_checks(result: Result, table: str | None = None, row: str | None = None, col: str | None = None,
               cell: Cell | None = None) -> list:
    tables = {k: (v.model_copy(deep=True) if v else None) for k, v in result.tables.items()}
    if table:
        tables[table].rows[row][col] = cell
    document = None  # the checks read tables only
    analysis = Analysis(document=document, info=result.document, tables=tables)  # type: ignore[arg-type]
    findings = []
    for rule_id in TABLE_RULES:
        findings.extend(RULES.get(rule_id)(analysis))
    return findings


def number(value) -> Cell:
    return Cell(value=value, raw=str(value), status="number")


def test_consistent_tables_raise_nothing(consistent):
    for result in consistent.values():
        assert not [f for f in run_checks(result) if f.severity == "error"]


@pytest.mark.parametrize("row, col, rules", [
    ("new_received", "natural_person", {"R1", "R3"}),
    ("carried_over", "legal_service", {"R1", "R3"}),
    ("granted", "commercial", {"R2", "R3"}),
    ("denied.process_info", "natural_person", {"R2", "R3"}),
    ("unable.not_held", "total", {"R2", "R3"}),
    ("other.unpaid_fee", "natural_person", {"R2", "R3"}),
    ("total", "natural_person", {"R1", "R2", "R3"}),
    ("total", "total", {"R1", "R2", "R3"}),
    ("carried_forward", "total", {"R1", "R3"}),
])
@pytest.mark.parametrize("which", ["seed", "huaian"])
@pytest.mark.parametrize("delta", [1, 7])
def test_one_wrong_cell_in_table_three_is_one_finding_at_that_cell(consistent, which, row, col, rules, delta):
    result = consistent[which]
    original = result.tables["requests"].rows[row][col].value
    findings = [f for f in run_checks(result, "requests", row, col, number(original + delta)) if f.severity == "error"]
    assert len(findings) == 1, [f.message_en for f in findings]
    finding = findings[0]
    assert (finding.evidence[0].row, finding.evidence[0].col) == (row, col)
    assert (finding.expected, finding.actual) == (original, original + delta)
    assert set(finding.data["rules"]) == rules
    assert finding.rule == min(rules, key=["R1", "R2", "R3"].index)


@pytest.mark.parametrize("row, rule_id", [("review", "R10"), ("litigation_direct", "R11"),
                                          ("litigation_after_review", "R12")])
@pytest.mark.parametrize("col", ["upheld", "pending", "total"])
def test_one_wrong_cell_in_table_four_fires_its_row_rule(consistent, row, rule_id, col):
    result = consistent["huaian"]
    original = result.tables["review_litigation"].rows[row][col].value
    findings = [f for f in run_checks(result, "review_litigation", row, col, number(original + 3))
                if f.severity == "error"]
    assert [f.rule for f in findings] == [rule_id]
    assert (row, col) in {(e.row, e.col) for e in findings[0].evidence}
    assert findings[0].evidence[0].col == "total"


def test_two_wrong_cells_are_two_findings(consistent):
    result = consistent["huaian"]
    tables = result.model_copy(deep=True)
    tables.tables["requests"].rows["granted"]["natural_person"] = number(1290)
    findings = run_checks(tables, "requests", "partial", "research", number(5))
    located = {(f.evidence[0].row, f.evidence[0].col) for f in findings if f.severity == "error"}
    assert located == {("granted", "natural_person"), ("partial", "research")}


def test_a_blank_total_alone_never_raises_r3(consistent):
    blank = Cell(value=None, raw="", status="blank")
    findings = run_checks(consistent["huaian"], "requests", "granted", "total", blank)
    assert not [f for f in findings if f.severity == "error"]
    d7 = [f for f in findings if f.rule == "D7"]
    assert len(d7) == 1 and [(e.row, e.col) for e in d7[0].evidence] == [("granted", "total")]


def test_a_blank_part_on_the_long_side_is_still_an_error(consistent):
    """A blank 自然人 where 总计 says 1288 + …: the blank cannot explain a total that is too small."""
    findings = run_checks(consistent["huaian"], "requests", "granted", "total", number(1))
    assert [f.rule for f in findings if f.severity == "error"]


def test_domain_rules(consistent):
    findings = run_checks(consistent["seed"], "requests", "granted", "research", number(-2))
    assert any(f.rule == "R5" and f.evidence[0].col == "research" for f in findings)
    findings = run_checks(consistent["seed"], "review_litigation", "litigation_direct", "other", number(0.5))
    assert any(f.rule == "R13" for f in findings)
    findings = run_checks(consistent["seed"], "active_disclosure", "fees", "amount_10k_yuan", number(12.5))
    assert not [f for f in findings if f.rule == "H3"]
    findings = run_checks(consistent["seed"], "active_disclosure", "licensing", "decisions", number(2.5))
    assert [f.rule for f in findings if f.rule == "H3"] == ["H3"]


# --------------------------------------------------------------------------------------------------- cells, labels


@pytest.mark.parametrize("text, value, status, note", [
    ("16", 16, "number", None),
    ("１６", 16, "number", None),
    (" 3,985,758 ", 3985758, "number", None),
    ("7730.28", 7730.28, "number", None),
    ("22（其中修订 16 件）", 22, "number", "其中修订16件"),
    ("251000元", 251000, "number", "元"),
    ("", None, "blank", None),
    ("\u00a0", None, "blank", None),
    ("—", None, "dash", None),
    ("／", None, "dash", None),
    ("无", None, "dash", None),
    ("若干", None, "text", None),
])
def test_parse_cell(text, value, status, note):
    cell = parse_cell(text)
    assert (cell.value, cell.status, cell.note) == (value, status, note)
    assert cell.raw == text


@pytest.mark.parametrize("label, key", [
    ("（四）无法提供 1.本机关不掌握相关政府信息", "unable.not_held"),
    ("(四) 无法提供\t1. 本机关不掌握相关政府信息", "unable.not_held"),
    ("三、\n本\n年\n度\n办\n理\n结\n果 （一）予以公开", "granted"),
    ("2.其他法律行政止公开", "denied.law_prohibited"),
    ("（三）不予公开 2.其他法律行政止公开", "denied.law_prohibited"),
    ("1、申请人无正当理由逾\n期不补正、行政机关不\n再处理其政府信息公开\n申请", "other.no_correction"),
    ("2.申请人逾期未按收费通知要求缴纳费用，行政机关不再处理其政府信息公开申请", "other.unpaid_fee"),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partial"),
    ("（六）其他处理 3.其他", "other.other"),
    ("（六）其他处理", "other"),
    ("3.危及\"三安全一稳定\"", "denied.security_stability"),
    ("（七）总 计", "total"),
    ("规范性文件", "normative_documents"),
    ("第二十条 第（五）项 信息内容 本年处理决定数量 行政许可", "licensing"),
    ("结果维持 结果纠正 其他结果 尚未审结 总计 复议后起诉", "header"),
])
def test_labels_survive_what_reports_do(label, key):
    assert match_label(label).row.key == key


@pytest.mark.parametrize("label", ["信息内容 本年制发件数", "第二十条第（一）项", "申请人情况", "- 4 -"])
def test_header_text_is_no_data_row(label):
    match = match_label(label)
    assert match is None or match.row.is_header


def test_digit_splits_respect_boundaries_and_leading_zeros():
    assert splits(["10", "0", "0", "0", "01"], 7) == [("1", "0", "0", "0", "0", "0", "1")]
    assert splits(["000"], 3) == [("0", "0", "0")]
    assert ("64", "0", "0", "2", "0", "4", "70") in splits(["640020470"], 7)
    assert all(not p.startswith("0") or p == "0" for cut in splits(["1020310"], 4) for p in cut)
    assert splits(["12"], 3) == []


def test_cut_run_together_keeps_list_numbers_with_their_labels():
    from service.tables.recognize import cut_run_together

    text = "（三）不予公开1.属于国家秘密00000002.其他法律行政法规禁止公开0000000（四）无法提供1、本机关不掌握相关政府信息300000 3"
    assert cut_run_together(text) == [
        ("（三）不予公开", ""), ("1.属于国家秘密", "0000000"), ("2.其他法律行政法规禁止公开", "0000000"),
        ("（四）无法提供", ""), ("1、本机关不掌握相关政府信息", "300000 3"),
    ]
    assert cut_run_together("行政事业性收费24252.311082三、收到") == [("行政事业性收费", "24252.311082"), ("三、收到", "")]
