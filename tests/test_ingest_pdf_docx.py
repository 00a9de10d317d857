"""PDF and DOCX ingestion: reports made with reportlab / python-docx from the seed, and the real PDFs of the corpus."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx.oxml.ns import qn

from service.document import Document, RawTable
from service.ingest import ingest
from service.ingest.base import IngestError
from service.ingest.docx_backend import DocxBackend
from service.ingest.pdf_backend import PdfBackend
from service.text import compact
from tests.conftest import REAL, SEED
from tests.render import browser, scanned_pdf, seed_spec, to_docx, to_html, to_pdf, to_pdf_with_browser, to_txt

SECTION_KEYWORDS = ["总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况",
                    "政府信息公开行政复议、行政诉讼情况", "存在的主要问题", "其他需要报告的事项"]
REAL_PDFS = ["jiangsu_huaian_city_2024.pdf", "jiangsu_huaian_hongze_district_2023.pdf",
             "jiangsu_huaian_hongze_district_2024.pdf", "fujian_pingtan_zone_2024_print.pdf"]


def squeeze(text: str) -> str:
    return "".join(text.split())


def grid(table: RawTable) -> list[list[str]]:
    return [[squeeze(c.text) for c in row] for row in table.rows]


def table_with(document: Document, label: str) -> RawTable:
    matches = [t for t in document.tables if any(label in squeeze(c.text) for row in t.rows for c in row)]
    assert len(matches) == 1, f"{label}: {len(matches)} tables"
    return matches[0]


def row_with(table: RawTable, label: str) -> list[str]:
    return next(row for row in grid(table) if any(label in text for text in row))


@pytest.fixture(scope="module")
def seed_txt() -> Document:
    return ingest(SEED.read_bytes(), SEED.name)


@pytest.fixture(scope="module")
def spec():
    return seed_spec()


@pytest.fixture(scope="module")
def real() -> dict[str, Document]:
    return {name: ingest((REAL / name).read_bytes(), name) for name in REAL_PDFS}


MERGED_ROWS = [
    ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "", "申请人情况", "", ""],
    ["", "", "自然人", "法人或其他组织", "总计"],
    ["一、本年新收政府信息公开申请数量", "", "5", "1", "6"],
] + [["三、本年度办理结果" if i == 0 else "", f"{i + 1}.属于第{i + 1}类情形", str(i), "0", str(i)] for i in range(14)]
MERGES = [(0, 0, 2, 2), (0, 2, 1, 3), (2, 0, 1, 2), (3, 0, 14, 1)]
MERGED_SPEC = [("title", "测试单位2024年政府信息公开工作年度报告"), ("heading", "一、总体情况")] + \
    [("paragraph", "本段用于把表格推到页面下部，使表格跨页。" * 14)] * 4 + \
    [("table", MERGED_ROWS, MERGES), ("heading", "二、其他需要报告的事项"), ("paragraph", "无。")]


# ---------------------------------------------------------------------------------------- the seed, re-rendered


@pytest.mark.parametrize("repeat_header_rows", [0, 1])
def test_seed_as_pdf_reads_like_the_txt(seed_txt, spec, repeat_header_rows):
    doc = ingest(to_pdf(spec, repeat_header_rows=repeat_header_rows), "seed.pdf")
    assert doc.source.format == "pdf" and doc.source.pages and doc.source.pages >= 3
    assert compact(doc.text) == compact(seed_txt.text)
    assert [grid(t) for t in doc.tables] == [grid(t) for t in seed_txt.tables]
    assert any(len(t.pages) == 2 for t in doc.tables), "a table broken over two pages is stitched into one"
    assert "- 2 -" not in doc.text
    assert all(block.page for block in doc.blocks)
    for phrase in ("做好疑问解答", "推动形成政府信息公开新矩阵", "依申请公开办理的规范化水平"):
        assert phrase in doc.text


@pytest.mark.skipif(browser() is None, reason="no Chromium to print with")
def test_seed_printed_by_a_browser_reads_like_the_txt(seed_txt, spec):
    """Chromium draws table borders as bevelled bars and adds its own header and footer on every page."""
    doc = ingest(to_pdf_with_browser(spec, header_footer=True), "seed-print.pdf")
    assert compact(doc.text) == compact(seed_txt.text)
    assert [grid(t) for t in doc.tables] == [grid(t) for t in seed_txt.tables]
    assert any(len(t.pages) > 1 for t in doc.tables)


def test_seed_as_pdf_keeps_headings_pages_and_anchors(seed_txt, spec):
    doc = ingest(to_pdf(spec), "seed.pdf")
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    txt_headings = [seed_txt.text[b.start:b.end] for b in seed_txt.blocks if b.kind == "heading"]
    assert [compact(h) for h in headings] == [compact(h) for h in txt_headings]
    assert doc.blocks[0].kind == "title"
    requests = table_with(doc, "本年新收政府信息公开申请数量")
    assert compact(doc.text[: requests.anchor]).endswith("三、收到和处理政府信息公开申请情况")
    assert "本年新收政府信息公开申请数量" not in doc.text
    assert doc.page_at(len(doc.text) - 1) == doc.source.pages
    assert all(cell.page in requests.pages and cell.bbox for row in requests.rows for cell in row if cell.text)


def test_seed_as_docx_reads_like_the_txt(seed_txt, spec):
    doc = ingest(to_docx(spec), "seed.docx")
    assert doc.source.format == "docx"
    assert compact(doc.text) == compact(seed_txt.text)
    assert [grid(t) for t in doc.tables] == [grid(t) for t in seed_txt.tables]
    assert [t.anchor for t in doc.tables] == [t.anchor for t in seed_txt.tables]
    kinds = [b.kind for b in doc.blocks]
    assert kinds[0] == "title" and kinds.count("heading") == 6


@pytest.mark.parametrize("page_number_format", ["第 {page} 页", "— {page} —", "{page}"])
def test_page_numbers_and_running_headers_are_not_text(seed_txt, spec, page_number_format):
    header = "苏州市姑苏区党政办公室政府信息公开工作年度报告"
    doc = ingest(to_pdf(spec, page_number_format=page_number_format, running_header=header), "seed.pdf")
    assert compact(doc.text) == compact(seed_txt.text)
    assert doc.text.count(header) == 0


def test_bordered_text_box_is_narrative_not_a_table():
    box = "本报告由本机关根据《中华人民共和国政府信息公开条例》编制，画在一个带边框的方框里，方框只有一列。" * 3
    body = "（一）主动公开情况。" + "全年主动公开政府信息若干条。" * 8
    doc = ingest(to_pdf([("table", [[box]]), ("heading", "一、总体情况"), ("paragraph", body)]), "box.pdf")
    assert doc.tables == []
    assert [doc.text[b.start:b.end] for b in doc.blocks] == [box, "一、总体情况", body]


def test_heading_wrapped_over_two_lines_is_one_heading():
    from reportlab.lib.pagesizes import A5

    heading = "四、政府信息公开行政复议、行政诉讼情况及其他需要说明的相关事项"
    body = "2024年，本机关未发生政府信息公开行政复议、行政诉讼。" * 4
    doc = ingest(to_pdf([("heading", heading), ("paragraph", body), ("heading", "五、其他")], page_size=A5), "a5.pdf")
    assert [(b.kind, doc.text[b.start:b.end]) for b in doc.blocks] == [
        ("heading", heading), ("paragraph", body), ("heading", "五、其他")]


@pytest.mark.parametrize("render", [to_txt, to_html], ids=["txt", "html"])
def test_seed_spec_round_trips_through_txt_and_html(seed_txt, spec, render):
    doc = ingest(render(spec), "seed")
    assert compact(doc.text) == compact(seed_txt.text)
    assert [grid(t) for t in doc.tables] == [grid(t) for t in seed_txt.tables]


# --------------------------------------------------------------------------------------------------- merged cells


def expected_merged_grid() -> list[list[str]]:
    rows = [list(r) for r in MERGED_ROWS]
    for r, c, rowspan, colspan in MERGES:
        for rr in range(r, r + rowspan):
            for cc in range(c, c + colspan):
                rows[rr][cc] = MERGED_ROWS[r][c]
    return [[squeeze(t) for t in row] for row in rows]


@pytest.mark.parametrize("render", [to_pdf, to_docx], ids=["pdf", "docx"])
def test_merged_cells_are_expanded_with_their_origin(render):
    doc = ingest(render(MERGED_SPEC), "merged")
    (table,) = doc.tables
    assert grid(table) == expected_merged_grid()
    group = [row[0] for row in table.rows[3:]]
    assert all(cell.origin == (3, 0) and cell.rowspan == 14 for cell in group)
    assert not group[0].is_span_copy and all(cell.is_span_copy for cell in group[1:])
    assert table.rows[0][4].origin == (0, 2) and table.rows[0][4].colspan == 3
    assert table.rows[5][1].origin is None
    if render is to_pdf:
        assert table.pages == [1, 2]


def test_merged_cell_cut_by_a_page_break_is_one_cell_again():
    """reportlab draws a row-spanning cell taller than a page in two pieces, its text on the first (like WPS)."""
    n = 60
    rows = [["项目", "", "数值"], ["一、本年新收政府信息公开申请数量", "", "60"]] + \
        [["三、本年度办理结果" if i == 0 else "", f"{i + 1}.属于第{i + 1}类情形", str(i)] for i in range(n)]
    spec = [("paragraph", "本段用于把表格推到页面下部。" * 30), ("table", rows, [(0, 0, 1, 2), (1, 0, 1, 2), (2, 0, n, 1)])]
    (table,) = ingest(to_pdf(spec, split_in_row=True), "long.pdf").tables
    assert table.pages == [1, 2] and table.n_rows == n + 2
    group = [row[0] for row in table.rows[2:]]
    assert {cell.origin for cell in group} == {(2, 0)} and {cell.rowspan for cell in group} == {n}
    assert {cell.text for cell in group} == {"三、本年度办理结果"}
    assert {row[1].page for row in table.rows[2:]} == {1, 2}
    assert [squeeze(row[1].text) for row in table.rows[2:]] == [squeeze(r[1]) for r in rows[2:]]


def test_docx_headings_come_from_paragraph_styles():
    doc = ingest(to_docx([("heading", "附件"), ("paragraph", "一、这一行没有使用标题样式")]), "styles.docx")
    assert [b.kind for b in doc.blocks] == ["heading", "heading"]


def test_docx_content_inside_content_controls_is_read_in_order():
    from docx import Document as WordDocument
    from docx.oxml import OxmlElement

    word = WordDocument(io.BytesIO(to_docx([("paragraph", "表格前的段落。"), ("table", [["规章", "1"], ["行政许可", "2"]]),
                                             ("paragraph", "表格后的段落。")])))
    body = word.element.body

    def wrap(element) -> None:
        control, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        element.addprevious(control)
        control.append(content)
        content.append(element)

    wrap(body.findall(qn("w:p"))[0])
    wrap(body.find(qn("w:tbl")).findall(qn("w:tr"))[1])
    out = io.BytesIO()
    word.save(out)
    doc = ingest(out.getvalue(), "controls.docx")
    assert doc.text == "表格前的段落。\n表格后的段落。"
    assert grid(doc.tables[0]) == [["规章", "1"], ["行政许可", "2"]]
    assert doc.tables[0].anchor == len("表格前的段落。")


# --------------------------------------------------------------------------------------------------- real PDFs


@pytest.mark.parametrize("name", REAL_PDFS)
def test_real_pdf_has_sections_pages_and_tables(real, name):
    doc = real[name]
    text = compact(doc.text)
    for keyword in SECTION_KEYWORDS:
        assert keyword in text, keyword
    assert all(block.page for block in doc.blocks)
    assert [p.number for p in doc.pages] == sorted(p.number for p in doc.pages)
    active = table_with(doc, "第二十条第（一）项")
    requests = table_with(doc, "本年新收政府信息公开申请数量")
    appeals = table_with(doc, "未经复议直接起诉")
    assert active.n_cols == 4 and requests.n_cols == 10 and appeals.n_cols == 15
    assert row_with(active, "行政许可")[1].isdigit()
    assert len(appeals.rows[-1]) == 15 and all(t.isdigit() for t in grid(appeals)[-1])
    assert "本年新收政府信息公开申请数量" not in doc.text and "第二十条" not in doc.text
    assert not any(line.strip() in {"- 3 -", "- 4 -"} for line in doc.text.splitlines())
    assert active.anchor < requests.anchor < appeals.anchor
    assert compact(doc.text[: requests.anchor]).endswith("三、收到和处理政府信息公开申请情况")


def test_huaian_table_three_is_stitched_over_pages(real):
    doc = real["jiangsu_huaian_city_2024.pdf"]
    requests = table_with(doc, "本年新收政府信息公开申请数量")
    assert requests.pages == [4, 5]
    rows = grid(requests)
    first = next(i for i, row in enumerate(rows) if "一、本年新收政府信息公开申请数量" in row)
    last = next(i for i, row in enumerate(rows) if "四、结转下年度继续办理" in row)
    assert last - first + 1 == 25
    assert rows[first][3:] == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert rows[last][3:] == ["103", "0", "0", "0", "0", "0", "103"]
    # "（四）无" ends page 4 and "法提供" starts page 5: one merged label again
    cut = row_with(requests, "2.没有现成信息需要另行制作")
    assert cut[:2] == ["三、本年度办理结果", "（四）无法提供"]
    assert row_with(requests, "（七）总计")[3:] == ["2932", "53", "0", "0", "61", "4", "3050"]
    # wrapped labels (D2) read as one label
    assert "1、申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" in row_with(requests, "逾期不补正")


def test_huaian_table_two_continues_on_the_next_page(real):
    active = table_with(real["jiangsu_huaian_city_2024.pdf"], "第二十条第（一）项")
    assert active.pages == [3, 4]
    assert row_with(active, "行政处罚")[:2] == ["行政处罚", "3985758"]
    assert row_with(active, "行政事业性收费")[:2] == ["行政事业性收费", "96171.6"]


def test_hongze_numbers_stay_with_their_labels(real):
    requests = table_with(real["jiangsu_huaian_hongze_district_2023.pdf"], "本年新收政府信息公开申请数量")
    assert row_with(requests, "1.属于国家秘密")[3:] == ["1", "0", "0", "0", "0", "0", "1"]
    assert row_with(requests, "1.本机关不掌握相关政府信息")[3:] == ["10", "0", "0", "0", "0", "0", "10"]
    assert row_with(requests, "（七）总计")[3:] == ["21", "0", "0", "0", "0", "0", "21"]
    appeals = table_with(real["jiangsu_huaian_hongze_district_2023.pdf"], "未经复议直接起诉")
    assert grid(appeals)[-1] == ["10", "1", "0", "0", "0", "0", "0", "0", "0", "0", "5", "0", "0", "0", "0"]


def test_browser_print_tables_close_cells_cut_by_the_page(real):
    doc = real["fujian_pingtan_zone_2024_print.pdf"]
    requests = table_with(doc, "本年新收政府信息公开申请数量")
    assert requests.pages == [4, 5]
    assert row_with(requests, "一、本年新收政府信息公开申请数量")[3:] == ["217", "1", "0", "0", "0", "0", "218"]
    assert row_with(requests, "1.本机关不掌握相关政府信息")[:2] == ["三、本年度办理结果", "（四）无法提供"]
    assert row_with(requests, "（七）总计")[3:] == ["217", "1", "0", "0", "0", "0", "218"]
    appeals = table_with(doc, "未经复议直接起诉")
    assert appeals.pages == [5, 6]
    assert grid(appeals)[-1] == ["2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19"]
    assert "一、总体情况" in doc.text and "〔2021〕30号" in doc.text
    assert "中华人民共和国政府信息公开条例" in doc.text, "radical code points of the browser's font read as ideographs"
    assert not any("\u2e80" <= ch <= "\u2fdf" for ch in doc.text)
    # the page header above the report (title, 来源：… 时间：…) gives hints, as the HTML of the same page does
    assert doc.hints["title"] == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert doc.hints["published"].startswith("2025-03-10")
    # the site's chrome around the report is trimmed: navigation, share buttons, footer links
    assert doc.blocks[0].kind == "title" and doc.text.startswith("平潭综合实验区2024年度政府信息公开工作年度报告\n本报告根据")
    for chrome in ("当前位置", "闽政通", "微信", "文件下载", "附件下载", "友情链接", "版权所有"):
        assert chrome not in doc.text, chrome
    assert doc.text.endswith("2024年，无收取信息处理费情况。")


def test_browser_print_reads_like_the_html_it_was_printed_from(real):
    html = REAL / "fujian_pingtan_zone_2024.html"
    from_html = ingest(html.read_bytes(), html.name)
    printed = real["fujian_pingtan_zone_2024_print.pdf"]
    assert compact(printed.text) == compact(from_html.text)
    assert [grid(t) for t in printed.tables] == [grid(t) for t in from_html.tables]


# ------------------------------------------------------------------------------------------------------ bad input


def test_pdf_without_text_layer_gives_a_note_not_text():
    doc = ingest(scanned_pdf(pages=2), "scan.pdf")
    assert doc.text == "" and doc.tables == [] and doc.source.pages == 2
    (note,) = doc.notes
    assert note.code == "no_text_layer" and note.severity == "error"
    assert note.message_zh and note.message_en


def test_scanned_page_among_text_pages_is_noted_with_its_page():
    doc = ingest(scanned_pdf(pages=3, text_pages=[1, 3]), "mixed.pdf")
    assert "第1页有文字层" in doc.text and "第3页有文字层" in doc.text
    assert [(n.code, n.page) for n in doc.notes] == [("page_without_text", 2)]


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_truncated_pdf_raises_one_line(cut):
    data = (REAL / REAL_PDFS[0]).read_bytes()
    with pytest.raises(IngestError) as error:
        PdfBackend().convert(data[: int(len(data) * cut)], "cut.pdf")
    assert str(error.value).startswith("corrupt PDF") and "\n" not in str(error.value)


def test_encrypted_pdf_raises_one_line():
    from reportlab.lib import pdfencrypt
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt=pdfencrypt.StandardEncryption("secret", canPrint=0))
    page.drawString(100, 700, "locked")
    page.save()
    with pytest.raises(IngestError) as error:
        ingest(out.getvalue(), "locked.pdf")
    assert str(error.value).startswith("corrupt PDF") and "\n" not in str(error.value)


def test_corrupt_docx_raises_one_line():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document>not xml")
    with pytest.raises(IngestError) as error:
        ingest(buffer.getvalue(), "broken.docx")
    assert "\n" not in str(error.value)
    truncated = to_docx([("paragraph", "内容")])[:-200]
    for backend_input in (truncated, buffer.getvalue()):
        with pytest.raises(IngestError) as error:
            DocxBackend().convert(backend_input, "broken.docx")
        assert str(error.value).startswith("corrupt DOCX") and "\n" not in str(error.value)
