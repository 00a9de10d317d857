"""Property tests: random consistent tables 二/三/四, laid out as the 2021 template (merged header and group cells),
rendered to TXT, HTML, DOCX and PDF by the real tools (tests/render.py), read back to the same values with no error.
Also raw grids in the shapes the backends produce: merged cells expanded, tables split over pages (D4), labels
wrapped, numbers before labels (D2)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.checks.registry import RULES
from service.document import RawTable
from service.ingest.builder import grid_from_texts
from service.pipeline import Analysis, analyze_bytes
from service.result import DocumentInfo
from service.tables.identities import APPLICANT_COLUMNS, OUTCOME_ROWS_2021, REVIEW_ROWS
from service.tables.labels import vocabulary
from service.tables.stage import extract_tables
from tests import render

STAGES = ["ingest_notes", "metadata", "sections", "tables", "checks"]
TABLE_RULES = ["R1", "R2", "R3", "R5", "R10", "R11", "R12", "R13", "H2", "H3"]
SMALL = st.one_of(st.just(0), st.just(0), st.integers(0, 9), st.integers(10, 9999))


@st.composite
def consistent_tables(draw, blanks: bool = True) -> dict:
    outcomes = {row: [draw(SMALL) for _ in APPLICANT_COLUMNS] for row in OUTCOME_ROWS_2021}
    total = [sum(outcomes[row][j] for row in OUTCOME_ROWS_2021) for j in range(len(APPLICANT_COLUMNS))]
    forward = [draw(SMALL) for _ in APPLICANT_COLUMNS]
    carried = [draw(st.integers(0, total[j] + forward[j])) for j in range(len(APPLICANT_COLUMNS))]
    new = [total[j] + forward[j] - carried[j] for j in range(len(APPLICANT_COLUMNS))]
    requests = {"new_received": new, "carried_over": carried, **outcomes, "total": total, "carried_forward": forward}
    requests = {row: values + [sum(values)] for row, values in requests.items()}
    review = {}
    for row in REVIEW_ROWS:
        parts = [draw(SMALL) for _ in range(4)]
        review[row] = parts + [sum(parts)]
    if blanks and draw(st.booleans()):  # D7: some filers leave zero cells blank
        blank = draw(st.sets(st.integers(0, 24 * 7 - 1), max_size=40))
        requests = {row: [None if v == 0 and r * 7 + j in blank else v for j, v in enumerate(values)]
                    for r, (row, values) in enumerate(requests.items())}
    counts = st.integers(0, 9_999_999)
    disclosure = {
        "rules": [draw(st.integers(0, 99)) for _ in range(3)],
        "normative_documents": [draw(st.integers(0, 999)) for _ in range(3)],
        "licensing": [draw(counts)], "penalty": [draw(counts)], "coercion": [draw(counts)],
        "fees": [draw(st.integers(0, 9_999_999)) / 100],
    }
    return {"active_disclosure": disclosure, "requests": requests, "review_litigation": review}


def _text(value) -> str:
    if value is None:
        return ""
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def table_two(values: dict) -> tuple[list[list[str]], list]:
    rows, merges = [], []

    def block(title: str, header: list[str], items: list[tuple[str, list]]) -> None:
        merges.append((len(rows), 0, 1, 4))
        rows.append([title, "", "", ""])
        if len(header) == 1:
            merges.append((len(rows), 1, 1, 3))
        rows.append(["信息内容", *header] + [""] * (3 - len(header)))
        for label, cells in items:
            if len(cells) == 1:
                merges.append((len(rows), 1, 1, 3))
            rows.append([label, *map(_text, cells)] + [""] * (3 - len(cells)))

    block("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
          [("规章", values["rules"]), ("行政规范性文件", values["normative_documents"])])
    block("第二十条第（五）项", ["本年处理决定数量"], [("行政许可", values["licensing"])])
    block("第二十条第（六）项", ["本年处理决定数量"],
          [("行政处罚", values["penalty"]), ("行政强制", values["coercion"])])
    block("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("行政事业性收费", values["fees"])])
    return rows, merges


def table_three(values: dict) -> tuple[list[list[str]], list]:
    vocab = vocabulary()["requests"]
    rows = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况"] + [""] * 6,
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
    ]
    merges = [(0, 0, 3, 3), (0, 3, 1, 7), (1, 3, 2, 1), (1, 4, 1, 5), (1, 9, 2, 1)]
    groups = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理",
              "other": "（六）其他处理"}
    results_start = None
    group_start: dict[str, int] = {}
    for row in vocab.data_rows("2021"):
        cells = [_text(v) for v in values[row.key]]
        group = row.key.split(".")[0] if "." in row.key else None
        if row.key in ("new_received", "carried_over", "carried_forward"):
            merges.append((len(rows), 0, 1, 3))
            rows.append([row.label, "", "", *cells])
            continue
        if results_start is None:
            results_start = len(rows)
        if group:
            group_start.setdefault(group, len(rows))
            rows.append(["三、本年度办理结果", groups[group], row.label, *cells])
        else:
            merges.append((len(rows), 1, 1, 2))
            rows.append(["三、本年度办理结果", row.label, "", *cells])
    merges.append((results_start, 0, len(rows) - results_start - 1, 1))
    for group, start in group_start.items():
        size = sum(1 for key in OUTCOME_ROWS_2021 if key.startswith(group + "."))
        merges.append((start, 1, size, 1))
    return rows, merges


def table_four(values: dict) -> tuple[list[list[str]], list]:
    outcome = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    rows = [
        ["行政复议"] + [""] * 4 + ["行政诉讼"] + [""] * 9,
        outcome + ["未经复议直接起诉"] + [""] * 4 + ["复议后起诉"] + [""] * 4,
        [""] * 5 + outcome + outcome,
        [_text(v) for row in REVIEW_ROWS for v in values[row]],
    ]
    merges = [(0, 0, 1, 5), (0, 5, 1, 10), (1, 5, 1, 5), (1, 10, 1, 5)] + [(1, c, 2, 1) for c in range(5)]
    return rows, merges


def report_spec(values: dict) -> render.Spec:
    return [
        ("title", "某某区人民政府2023年政府信息公开工作年度报告"),
        ("heading", "一、总体情况"),
        ("paragraph", "本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自2023年1月1日起至2023年12月31日止。"),
        ("heading", "二、主动公开政府信息情况"),
        ("table", *table_two(values["active_disclosure"])),
        ("heading", "三、收到和处理政府信息公开申请情况"),
        ("table", *table_three(values["requests"])),
        ("heading", "四、政府信息公开行政复议、行政诉讼情况"),
        ("table", *table_four(values["review_litigation"])),
        ("heading", "五、存在的主要问题及改进情况"),
        ("paragraph", "信息公开的及时性还需提高。"),
        ("heading", "六、其他需要报告的事项"),
        ("paragraph", "本年度未收取信息处理费。"),
    ]


def read_back(data: bytes, name: str) -> dict:
    result = analyze_bytes(data, name, stages=STAGES, options={"rules": TABLE_RULES})
    assert not [f for f in result.findings if f.severity == "error"], [f.message_en for f in result.findings]
    assert not [f for f in result.findings if f.rule in ("TABLE", "D1") and f.severity != "info"]
    out = {}
    for key in ("active_disclosure", "requests", "review_litigation"):
        table = result.tables[key]
        assert table is not None, key
        out[key] = {row: [c.value for c in cols.values()] for row, cols in table.rows.items()}
    return out


def expected(values: dict) -> dict:
    review = {row: values["review_litigation"][row] for row in REVIEW_ROWS}
    return {"active_disclosure": values["active_disclosure"], "requests": values["requests"],
            "review_litigation": review}


FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(consistent_tables())
def test_txt_round_trip(values):
    assert read_back(render.to_txt(report_spec(values)), "r.txt") == expected(values)


@FAST
@given(consistent_tables())
def test_html_round_trip(values):
    assert read_back(render.to_html(report_spec(values)), "r.html") == expected(values)


@SLOW
@given(consistent_tables())
def test_docx_round_trip(values):
    assert read_back(render.to_docx(report_spec(values)), "r.docx") == expected(values)


@SLOW
@given(consistent_tables())
def test_pdf_round_trip(values):
    assert read_back(render.to_pdf(report_spec(values)), "r.pdf") == expected(values)


# ------------------------------------------------------------------------------------------- raw grid shapes


def stage_on(grids: list[list[list[str]]], text: str = "") -> Analysis:
    from service.document import Document, SourceInfo

    tables = [RawTable(index=i, rows=grid_from_texts(g, page=i + 1), anchor=0, pages=[i + 1])
              for i, g in enumerate(grids)]
    document = Document(source=SourceInfo(sha256="0", source_name="grid", format="txt", size=0), text=text,
                        tables=tables)
    analysis = Analysis(document=document, info=DocumentInfo(sha256="0", source_name="grid", format="txt"))
    extract_tables(analysis)
    return analysis


SAMPLE = {"rules": [1, 0, 11], "normative_documents": [8, 26, 66], "licensing": [447228], "penalty": [3985758],
          "coercion": [88283], "fees": [96171.6]}


def test_table_split_over_pages_with_a_footer_row_inside():
    rows, _ = table_three({key: [k + j for j in range(6)] + [sum(k + j for j in range(6))]
                           for k, key in enumerate(r.key for r in vocabulary()["requests"].data_rows("2021"))})
    first, second = rows[:14], [["- 4 -"] + [""] * 9] + rows[14:]
    analysis = stage_on([first, second])
    table = analysis.tables["requests"]
    assert table.pages == [1, 2]
    assert table.rows["other.other"]["natural_person"].value == 22  # the 23rd data row
    assert not [f for f in analysis.findings if f.rule == "TABLE" and f.data.get("table") == "requests"]


def test_numbers_before_labels_and_wrapped_labels():
    grid = [
        ["一、本年新收政府信息公开申请数量", "3", "0", "0", "0", "0", "0", "3"],
        ["2", "0", "0", "0", "0", "0", "2", "（一）予以\n公开"],
        ["1", "0", "0", "0", "0", "0", "1", "1.属于国\n家秘密"],
        ["（七）总\n计", "3", "0", "0", "0", "0", "0", "3"],
    ]
    table = stage_on([grid]).tables["requests"]
    assert [c.value for c in table.rows["granted"].values()] == [2, 0, 0, 0, 0, 0, 2]
    assert [c.value for c in table.rows["denied.state_secret"].values()] == [1, 0, 0, 0, 0, 0, 1]
    assert table.rows["total"]["total"].value == 3


def test_annotated_cells_keep_their_note():
    grid = [["规章", "22（其中修订 16 件）", "55（含自然失效 29 件）", "235"], ["行政规范性文件", "34", "0", "189"]]
    table = stage_on([grid]).tables["active_disclosure"]
    issued = table.rows["rules"]["issued"]
    assert (issued.value, issued.note) == (22, "其中修订16件")
    assert table.rows["rules"]["repealed"].value == 55


def test_2019_table_two_is_read_with_its_own_columns():
    grid = [
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年新\n制作数量", "本年新\n公开数量", "对外公开总数量"],
        ["规章", "13", "13", "300"],
        ["规范性文件", "60", "60", "900"],
        ["第二十条第（五）项", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
        ["行政许可", "500", "-3", "12000"],
        ["其他对外管理服务事项", "40", "0", "800"],
        ["第二十条第（八）项", "", "", ""],
        ["信息内容", "上一年项目数量", "本年增/减", ""],
        ["行政事业性收费", "12", "-1", ""],
        ["第二十条第（九）项", "", "", ""],
        ["信息内容", "采购项目数量", "采购总金额", ""],
        ["政府集中采购", "3", "251000元", ""],
    ]
    analysis = stage_on([grid])
    table = analysis.tables["active_disclosure"]
    assert table.template == "2019"
    assert {c: v.value for c, v in table.rows["normative_documents"].items()} == \
        {"new_made": 60, "new_published": 60, "total_published": 900}
    assert table.rows["licensing"]["change"].value == -3
    assert table.rows["other_services"]["decisions"].value == 800
    assert table.rows["fees"]["change"].value == -1
    amount = table.rows["procurement"]["amount"]
    assert (amount.value, amount.note) == (251000, "元")
    findings = [f for rule_id in ("H2", "H3") for f in RULES.get(rule_id)(analysis)]
    assert not findings, [f.message_en for f in findings]


def test_a_text_cell_is_reported_and_kept_apart():
    grid = [["一、本年新收政府信息公开申请数量", "若干", "0", "0", "0", "0", "0", "3"],
            ["二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0", "0"],
            ["（七）总计", "3", "0", "0", "0", "0", "0", "3"]]
    analysis = stage_on([grid])
    cell = analysis.tables["requests"].rows["new_received"]["natural_person"]
    assert (cell.status, cell.value, cell.raw) == ("text", None, "若干")
    assert [(f.rule, f.evidence[0].col) for f in analysis.findings if f.data.get("code") == "text_cell"] == \
        [("R5", "natural_person")]


def test_missing_tables_are_findings():
    analysis = stage_on([[["行政许可", "5"], ["行政处罚", "7"]]])
    missing = {f.data["table"] for f in analysis.findings if f.data.get("code") == "table_missing"}
    assert missing == {"requests", "review_litigation"}
    partial = next(f for f in analysis.findings if f.data.get("code") == "table_partial")
    assert set(partial.data["missing_rows"]) == {"rules", "normative_documents", "coercion", "fees"}


@pytest.mark.parametrize("fee", ["7730.28", "96,171.6"])
def test_fee_decimal(fee):
    grid = [["行政许可", "1"], ["行政事业性收费", fee]]
    value = stage_on([grid]).tables["active_disclosure"].rows["fees"]["amount_10k_yuan"].value
    assert value == float(fee.replace(",", ""))


def shanghai_2019_grid() -> list[list[str]]:
    """2019 layout as 上海市政府办公厅 2019 filled it (D7): blanks everywhere, 总计 only in rows 一/二/七/四, one
    （六）其他处理 row; label cells repeated (merged cells expanded) and no padding at the row ends."""
    group = "三、本年度办理结果"
    values = {"（一）予以公开": "272", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）": "3",
              "1．属于国家秘密": "1", "6．属于四类过程性信息": "34", "1．本机关不掌握相关政府信息": "300",
              "2．没有现成信息需要另行制作": "37", "1．信访举报投诉类申请": "100", "2．重复申请": "58",
              "（六）其他处理": "0"}
    rows = [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "", "申请人情况"] + [""] * 6,
        ["", "", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
        ["", "", "", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""],
        ["一、本年新收政府信息公开申请数量", "", "", "859", "", "", "", "", "", "859"],
        ["二、上年结转政府信息公开申请数量", "", "", "18", "", "", "", "", "", "18"],
    ]
    for row in vocabulary()["requests"].data_rows("2019")[2:-2]:
        label = row.label.replace(".", "．")
        sub = "" if "." not in row.label else {"denied": "（三）不予公开", "unable": "（四）无法提供",
                                               "not_processed": "（五）不予处理"}[row.key.split(".")[0]]
        cells = [group, sub, label] if sub else [group, label, label]
        rows.append(cells + [values.get(label, "")] + [""] * 6)
    rows.append([group, "（七）总计", "（七）总计", "805", "", "", "", "", "", "805"])
    rows.append(["四、结转下年度继续办理", "", "", "72", "", "", "", "", "", "72"])
    return rows


def test_blank_cells_of_a_2019_table_stay_in_their_columns():
    analysis = stage_on([shanghai_2019_grid()])
    table = analysis.tables["requests"]
    assert table.template == "2019"
    granted = table.rows["granted"]
    assert (granted["natural_person"].value, granted["total"].status) == (272, "blank")
    assert table.rows["other"]["natural_person"].value == 0
    assert table.rows["denied.law_prohibited"]["natural_person"].status == "blank"
    findings = [f for rule_id in TABLE_RULES + ["D7"] for f in RULES.get(rule_id)(analysis)]
    assert not [f for f in findings if f.severity == "error"], [f.message_en for f in findings]
    assert [f.rule for f in findings if f.rule == "D7"] == ["D7"]


# ------------------------------------------------------------------------------------- run-together digits (D1)


def flattened_text(values: dict) -> str:
    """Tables 三 and 四 as an archived page prints them: labels and digits with every cell border lost."""
    parts = [("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）申请人情况自然人法人或其他组织总计"
              "商业企业科研机构社会公益组织法律服务机构其他")]
    groups = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理",
              "other": "（六）其他处理"}
    for row in vocabulary()["requests"].data_rows("2021"):
        group = row.key.split(".")[0]
        if group in groups and row.label.startswith("1."):
            parts.append(groups[group])
        if row.key == "granted":
            parts.append("三、本年度办理结果")
        parts.append(row.label + "".join(str(v) for v in values["requests"][row.key]))
    parts.append("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计"
                 "未经复议直接起诉复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计")
    parts.append("".join(str(v) for row in REVIEW_ROWS for v in values["review_litigation"][row]))
    return "".join(parts)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(consistent_tables(blanks=False))
def test_run_together_digits_are_resolved_or_left_open_never_guessed(values):
    from service.document import RawCell

    text = flattened_text(values)
    raw = RawTable(index=0, rows=[[RawCell(text=text, row=0, col=0)]], anchor=0, flattened=True)
    from service.document import Document, SourceInfo

    document = Document(source=SourceInfo(sha256="0", source_name="d1", format="txt", size=0), text="",
                        tables=[raw])
    analysis = Analysis(document=document, info=DocumentInfo(sha256="0", source_name="d1", format="txt"))
    extract_tables(analysis)
    open_runs = {f.evidence[0].row: f.data["candidates"] for f in analysis.findings
                 if f.rule == "D1" and f.severity == "warning"}
    for key in ("requests", "review_litigation"):
        table = analysis.tables[key]
        for row, cols in table.rows.items():
            truth = values[key][row]
            got = [c.value for c in cols.values()]
            for cell, want in zip(cols.values(), truth):
                assert cell.status in ("number", "ambiguous")
                if cell.status == "number":
                    assert cell.value == want, (row, got, truth)
            if any(c.status == "ambiguous" for c in cols.values()):
                candidates = open_runs[row if key == "requests" else REVIEW_ROWS[0]]
                flat = [str(v) for v in (truth if key == "requests" else
                                         [v for r in REVIEW_ROWS for v in values[key][r]])]
                assert flat in candidates


def test_table_four_as_three_rows_of_five():
    grid = [
        ["", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
        ["行政复议", "2", "1", "3", "1", "7"],
        ["行政诉讼 未经复议直接起诉", "0", "0", "0", "0", "0"],
        ["行政诉讼 复议后起诉", "13", "2", "4", "0", "19"],
    ]
    analysis = stage_on([grid])
    table = analysis.tables["review_litigation"]
    assert [c.value for c in table.rows["litigation_after_review"].values()] == [13, 2, 4, 0, 19]
    assert [c.value for c in table.rows["review"].values()] == [2, 1, 3, 1, 7]
    assert not [f for f in analysis.findings if f.data.get("table") == "review_litigation"]


def test_a_first_row_that_lost_its_label_still_joins_table_three():
    """D16 right after table 二: a label-less row of seven cells belongs to table 三 by its shape."""
    two = [["规章", "0", "0", "0"], ["行政规范性文件", "5", "1", "13"]]
    three = [["", "42", "0", "0", "0", "0", "0", "42"],
             ["二、上年结转政府信息公开申请数量", "0", "0", "0", "0", "0", "0", "0"],
             ["（一）予以公开", "42", "0", "0", "0", "0", "0", "42"]]
    analysis = stage_on([two, three])
    assert analysis.tables["requests"].rows["new_received"]["total"].value == 42
    assert analysis.tables["active_disclosure"].rows["normative_documents"]["in_force"].value == 13


def test_a_row_cut_by_a_page_break_gets_its_numbers_back():
    """D4: the numbers sit in a row beside the group cell only, the row label in the next row with empty cells."""
    group = "三、本年度办理结果"
    grid = [
        ["一、本年新收政府信息公开申请数量", "", "", "5", "0", "0", "0", "0", "0", "5"],
        [group, "（三）不予公开", "4.保护第三方合法权益", "0", "0", "0", "0", "0", "0", "0"],
        [group, "（三）不予公开", "", "2", "0", "0", "0", "0", "0", "2"],
        [group, "（三）不予公开", "5.属于三类内部事务信息", "", "", "", "", "", "", ""],
        [group, "（三）不予公开", "6.属于四类过程性信息", "3", "0", "0", "0", "0", "0", "3"],
    ]
    analysis = stage_on([grid])
    table = analysis.tables["requests"]
    assert [c.value for c in table.rows["denied.internal_affairs"].values()] == [2, 0, 0, 0, 0, 0, 2]
    assert [f.rule for f in analysis.findings if f.rule == "D4"] == ["D4"]


def test_a_run_no_cut_of_which_adds_up_stays_open():
    """Sixty 9s cut into seven counts never satisfy R3: every cut is listed, none is chosen; a run with exactly one
    digit per cell has a forced cut, read as such (the checks then report what does not add up)."""
    from service.document import Document, RawCell, SourceInfo

    cells = [RawCell(text="一、本年新收政府信息公开申请数量", row=0, col=0),
             RawCell(text="9" * 60, row=0, col=1, ambiguous=True),
             RawCell(text="二、上年结转政府信息公开申请数量", row=1, col=0),
             RawCell(text="0000000", row=1, col=1, ambiguous=True),
             RawCell(text="（七）总计", row=2, col=0),
             RawCell(text="1234567", row=2, col=1, ambiguous=True)]
    raw = RawTable(index=0, rows=[cells[:2], cells[2:4], cells[4:]], anchor=0, flattened=True)
    document = Document(source=SourceInfo(sha256="0", source_name="x", format="txt", size=0), text="", tables=[raw])
    analysis = Analysis(document=document, info=DocumentInfo(sha256="0", source_name="x", format="txt"))
    extract_tables(analysis)
    table = analysis.tables["requests"]
    assert all(c.status == "ambiguous" for c in table.rows["new_received"].values())
    finding = next(f for f in analysis.findings if f.rule == "D1")
    assert finding.data["fits_row_identity"] is False and finding.data["candidate_count"] > 1
    assert [c.value for c in table.rows["total"].values()] == [1, 2, 3, 4, 5, 6, 7]
    r3 = list(RULES.get("R3")(analysis))
    assert [(f.evidence[0].row, f.evidence[0].col) for f in r3] == [("total", "total")]
