"""HTML and Markdown ingestion: the real archived page and Markdown exports, plus small handmade pages."""

from __future__ import annotations

import pytest

from service.document import Document, RawTable
from service.ingest import IngestError, ingest
from service.ingest.html_backend import HtmlBackend, declared_charset
from service.ingest.line_tables import find_line_tables
from service.ingest.md_backend import MarkdownBackend
from service.pipeline import analyze_bytes
from tests.conftest import REAL, SEED
from tests.render import seed_spec, to_html

SIX_HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]
CHROME_WORDS = ["当前位置", "微信", "微博", "QQ空间", "附件下载", "扫一扫", "版权所有", "网站标识码", "首页"]


def heading_texts(document: Document) -> list[str]:
    return [document.text[b.start:b.end] for b in document.blocks if b.kind == "heading"]


def assert_rectangular(table: RawTable) -> None:
    width = table.n_cols
    for r, row in enumerate(table.rows):
        assert len(row) == width
        assert [(c.row, c.col) for c in row] == [(r, c) for c in range(width)]


def row_with(table: RawTable, label: str) -> list[str]:
    return next(row for row in table.texts() if any(label in cell for cell in row))


# ---------------------------------------------------------------- the real archived page


@pytest.fixture(scope="module")
def pingtan() -> Document:
    return ingest((REAL / "fujian_pingtan_zone_2024.html").read_bytes(), "fujian_pingtan_zone_2024.html")


def test_real_page_is_html_with_three_tables(pingtan):
    assert pingtan.source.format == "html"
    assert pingtan.source.encoding == "utf-8"
    assert len(pingtan.tables) == 3
    for table in pingtan.tables:
        assert_rectangular(table)


def test_real_page_text_has_six_sections_and_no_chrome(pingtan):
    assert heading_texts(pingtan) == SIX_HEADINGS
    for word in CHROME_WORDS:
        assert word not in pingtan.text, word
    assert pingtan.blocks[0].kind == "title"
    assert pingtan.text.startswith("平潭综合实验区2024年度政府信息公开工作年度报告\n本报告根据")
    assert pingtan.text.rstrip().endswith("2024年，无收取信息处理费情况。")
    assert "全年办理政府信息公开申请218件。" in pingtan.text


def test_real_page_tables_stand_under_their_headings(pingtan):
    starts = {pingtan.text[b.start:b.end]: b.start for b in pingtan.blocks if b.kind == "heading"}
    for table, (before, after) in zip(pingtan.tables, zip(SIX_HEADINGS[1:4], SIX_HEADINGS[2:5])):
        assert starts[before] < table.anchor <= starts[after]


def test_real_page_hints_from_the_page_header(pingtan):
    assert pingtan.hints["title"] == "平潭综合实验区2024年度政府信息公开工作年度报告"
    assert pingtan.hints["published"].startswith("2025-03-10")
    assert pingtan.hints["agency"] == "平潭综合实验区管委会办公室"


def test_real_table_two_values(pingtan):
    table = pingtan.tables[0]
    assert row_with(table, "行政规范性文件") == ["行政规范性文件", "62", "33", "440"]
    assert row_with(table, "规章") == ["规章", "0", "0", "0"]
    assert row_with(table, "行政许可")[1] == "4529"
    assert row_with(table, "行政处罚")[1] == "1100"
    assert row_with(table, "行政强制")[1] == "65"
    assert row_with(table, "行政事业性收费")[1] == "18651.06"
    # the colspan=3 value cell is copied over the three columns, each copy naming its origin
    fee = next(row for row in table.rows if row[0].text == "行政事业性收费")
    assert [c.origin for c in fee[1:]] == [(fee[1].row, 1)] * 3
    assert not fee[1].is_span_copy and fee[2].is_span_copy


def test_real_table_three_values_and_the_22_row_rowspan(pingtan):
    table = pingtan.tables[1]
    assert table.n_cols == 10
    header = row_with(table, "商业企业")
    assert header[3:] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    assert row_with(table, "本年新收")[3:] == ["217", "1", "0", "0", "0", "0", "218"]
    assert row_with(table, "（一）予以公开")[-1] == "71"
    assert row_with(table, "（二）部分公开")[-1] == "29"
    assert row_with(table, "5.属于三类内部事务信息")[-1] == "32"
    assert row_with(table, "1.本机关不掌握相关政府信息")[-1] == "75"
    assert row_with(table, "3.其他")[3:] == ["1", "1", "0", "0", "0", "0", "2"]
    assert row_with(table, "（七）总计")[3:] == ["217", "1", "0", "0", "0", "0", "218"]
    assert row_with(table, "结转下年度继续办理")[-1] == "0"
    results = [row[0] for row in table.rows if row[0].text == "三、本年度办理结果"]
    assert len(results) == 22
    origin = results[0].origin
    assert origin == (results[0].row, 0) and results[0].rowspan == 22
    assert all(c.origin == origin for c in results)
    assert sum(1 for c in results if c.is_span_copy) == 21


def test_real_table_four_values(pingtan):
    table = pingtan.tables[2]
    assert table.n_cols == 15
    assert table.texts()[-1] == ["2", "1", "3", "1", "7", "0", "0", "0", "0", "0", "13", "2", "4", "0", "19"]
    assert table.texts()[0][:6] == ["行政复议"] * 5 + ["行政诉讼"]


def test_real_page_sections_through_the_pipeline():
    data = (REAL / "fujian_pingtan_zone_2024.html").read_bytes()
    result = analyze_bytes(data, "fujian_pingtan_zone_2024.html", stages=["metadata", "sections"])
    assert [s.number for s in result.sections] == [1, 2, 3, 4, 5, 6]
    assert result.document.year == 2024
    assert result.document.published == "2025-03-10"


# ---------------------------------------------------------------- handmade pages

CHROME_TOP = """
<div class="top"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/hd">互动交流</a><a href="/bs">办事服务</a></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 政府信息公开年报</div>
<h1>某县民政局2023年政府信息公开工作年度报告</h1>
<div class="info"><span>来源：某县民政局</span> <span>发布时间：2024-01-20</span></div>
"""
CHROME_BOTTOM = """
<div class="footer"><p>主办单位：某县人民政府办公室　版权所有：某县人民政府　网站标识码：1234567890</p>
<p>为确保最佳浏览效果，建议您使用以下浏览器版本：IE浏览器9.0版本及以上；谷歌浏览器63版本及以上。</p></div>
"""
REPORT_BODY = """
<p>　　本报告依据《中华人民共和国政府信息公开条例》编制，所列数据统计期限为2023年1月1日至2023年12月31日。</p>
<p><strong>一、总体情况</strong></p>
<p>　　2023年，某县民政局全年共收到各类政府信息公开申请<br>
   5件，均已在法定期限内答复，没有因政府信息公开被申请行政复议的情况。</p>
<p><b>三、收到和处理政府信息公开申请情况</b></p>
<table border="1">
 <tr><td rowspan="2" colspan="2">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
     <td colspan="2">申请人情况</td><td rowspan="2">总计</td></tr>
 <tr><td><p>自然</p><p><span>人</span></p></td><td>社会<br>公益组织</td></tr>
 <tr><td colspan="2">一、本年新收政府信息公开申请数量</td><td>4</td><td>&nbsp;</td><td>5</td></tr>
 <tr><td rowspan="2">三、本年度办理结果</td><td>（一）予以公开</td><td>3</td><td>1</td><td>4</td></tr>
 <tr><td>（二）部分公开</td><td>1</td><td>&nbsp;</td><td>1</td></tr>
 <tr><td>&nbsp;</td><td></td><td>&nbsp;</td><td> </td><td></td></tr>
</table>
<p>五、存在的主要问题及改进情况</p>
<p>　　公开内容还不够全面，下一步将加强培训。</p>
<div class="bdsharebuttonbox"><a href="#" class="bds_weixin">微信</a><a href="#" class="bds_tsina">微博</a></div>
<p>【打印本页】【关闭窗口】</p>
"""


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>年报_某县</title></head><body>{body}</body></html>"


def standard_page() -> str:
    return page(CHROME_TOP + f'<div class="article"><div class="content">{REPORT_BODY}</div></div>' + CHROME_BOTTOM)


def assert_small_report(document: Document) -> None:
    for word in CHROME_WORDS + ["互动交流", "主办单位", "浏览器", "打印本页", "关闭窗口"]:
        assert word not in document.text, word
    assert "全年共收到各类政府信息公开申请5件，均已在法定期限内答复" in document.text
    assert heading_texts(document) == ["一、总体情况", "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况"]
    assert document.blocks[0].kind == "title"
    assert document.text.startswith("某县民政局2023年政府信息公开工作年度报告\n")
    assert len(document.tables) == 1
    table = document.tables[0]
    assert_rectangular(table)
    assert table.texts() == [
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 2 + ["申请人情况"] * 2 + ["总计"],
        ["（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"] * 2 + ["自然人", "社会公益组织", "总计"],
        ["一、本年新收政府信息公开申请数量"] * 2 + ["4", "", "5"],
        ["三、本年度办理结果", "（一）予以公开", "3", "1", "4"],
        ["三、本年度办理结果", "（二）部分公开", "1", "", "1"],
    ]


def test_gbk_page_with_http_equiv_charset():
    head = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
    data = page(CHROME_TOP + f'<div class="main">{REPORT_BODY}</div>' + CHROME_BOTTOM, head).encode("gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert declared_charset(data) == "gbk"
    document = ingest(data, "report.htm")
    assert document.source.format == "html"
    assert document.source.encoding == "gb18030"
    assert_small_report(document)
    assert document.hints["published"] == "2024-01-20"
    assert document.hints["agency"] == "某县民政局"


def test_gb2312_page_in_a_layout_table_with_gbk_only_characters():
    """Declared GB2312, holding 镕 (GBK only); the report sits in a layout table beside a menu column."""
    body = REPORT_BODY.replace("某县民政局全年", "某县民政局（局长朱镕）全年")
    layout = (f'<table width="100%"><tr><td class="left"><ul><li><a href="/a">机构概况</a></li>'
              f'<li><a href="/b">政策文件</a></li></ul></td><td>{body}</td></tr></table>')
    data = page(CHROME_TOP + layout + CHROME_BOTTOM, '<meta charset="gb2312">').encode("gbk")
    assert declared_charset(data) == "gb2312"
    document = ingest(data, "report.html")
    assert document.source.encoding == "gb18030"
    assert "局长朱镕" in document.text
    assert "机构概况" not in document.text
    assert len(document.tables) == 1  # the layout table is read through, not taken as data
    assert document.tables[0].n_cols == 5


def test_utf8_page_with_bom_and_wrong_declaration():
    data = b"\xef\xbb\xbf" + standard_page().replace("<head>", '<head><meta charset="gbk">').encode("utf-8")
    document = ingest(data, "report.html")
    assert_small_report(document)


def test_utf8_page_declared_gbk_reads_as_utf8():
    data = standard_page().replace("<head>", '<head><meta charset="gbk">').encode("utf-8")
    document = HtmlBackend().convert(data, "report.html")
    assert document.source.encoding == "utf-8"
    assert_small_report(document)


def test_rowspan_and_colspan_make_a_rectangular_grid_with_origins():
    table_html = """<table>
      <tr><th rowspan="3">A</th><th colspan="3">B</th></tr>
      <tr><td colspan="2" rowspan="2">C</td><td>D</td></tr>
      <tr><td>E</td></tr>
      <tr><td>F</td><td>G</td><td rowspan="5">H</td></tr>
    </table>"""
    document = ingest(page(f"<p>三、收到和处理政府信息公开申请情况</p>{table_html}").encode(), "t.html")
    table = document.tables[0]
    assert_rectangular(table)
    assert table.texts() == [["A", "B", "B", "B"], ["A", "C", "C", "D"], ["A", "C", "C", "E"], ["F", "G", "H", ""]]
    cells = {(c.row, c.col): c for row in table.rows for c in row}
    assert cells[(2, 2)].origin == (1, 1) and cells[(2, 2)].rowspan == 2 and cells[(2, 2)].colspan == 2
    assert cells[(0, 0)].origin == (0, 0) and not cells[(0, 0)].is_span_copy
    assert cells[(2, 0)].is_span_copy
    assert cells[(1, 3)].origin is None  # a plain cell
    assert cells[(3, 2)].rowspan == 1  # a rowspan past the last row is cut at the table's end
    assert cells[(3, 3)].text == "" and cells[(3, 3)].origin is None


def test_cell_labels_split_over_paragraphs_and_breaks_join_without_spaces():
    table_html = ("<table><tr><td><p>法律</p><p>服<span>务</span>\n   </p><p><span>机构</span></p></td>"
                  "<td>Times<br>New Roman</td><td>本年收费金额<br>（单位：万元）</td></tr>"
                  "<tr><td>&nbsp;1&nbsp;</td><td>2</td><td>3</td></tr></table>")
    document = ingest(page(table_html).encode(), "t.html")
    assert document.tables[0].texts() == [["法律服务机构", "Times New Roman", "本年收费金额（单位：万元）"],
                                          ["1", "2", "3"]]


def test_malformed_html_still_yields_what_is_readable():
    data = ("<html><body><div class=content><p>一、总体情况<p>2023年本机关主动公开政府信息120条，收到申请5件。"
            "<p>二、主动公开政府信息情况<table><tr><td>规章<td>1<td>0<tr><td>行政规范性文件<td>3").encode("utf-8")
    document = ingest(data, "broken.html")
    assert "2023年本机关主动公开政府信息120条，收到申请5件。" in document.text
    assert heading_texts(document) == ["一、总体情况", "二、主动公开政府信息情况"]
    assert document.tables[0].texts() == [["规章", "1", "0"], ["行政规范性文件", "3", ""]]


def test_prose_in_layout_tables_is_text_not_a_table():
    prose = "2023年，本机关认真贯彻落实政府信息公开条例，全年主动公开政府信息共计一千余条，其中规范性文件十件。" * 3
    for layout in (f"<table><tr><td><p>一、总体情况</p><p>{prose}</p></td></tr></table>",
                   f"<table><tr><td>一、总体情况</td><td><p>{prose}</p></td></tr></table>"):
        document = ingest(page(layout).encode(), "layout.html")
        assert document.tables == []
        assert prose in document.text


def test_images_in_the_content_are_noted():
    body = REPORT_BODY.replace("<p>五、", '<p><img src="table4.png" alt=""></p><p>五、')
    document = ingest(page(f'<div class="content">{body}</div>').encode(), "img.html")
    notes = [n for n in document.notes if n.code == "HTML_IMAGES"]
    assert len(notes) == 1 and notes[0].message_zh and notes[0].message_en


def test_html_without_text_is_an_ingest_error():
    with pytest.raises(IngestError):
        ingest(b"<html><head><script>var a = 1;</script></head><body><div></div></body></html>", "empty.html")


def test_html_backend_accepts_html_only():
    assert HtmlBackend.accepts(standard_page().encode())
    assert not HtmlBackend.accepts("一、总体情况\n本机关收到申请5件。".encode())


# ---------------------------------------------------------------- Markdown exports


@pytest.fixture(scope="module")
def stcsm() -> Document:
    return ingest((REAL / "shanghai_stcsm_2024.md").read_bytes(), "shanghai_stcsm_2024.md")


@pytest.fixture(scope="module")
def city_office() -> Document:
    return ingest((REAL / "shanghai_city_office_2025.md").read_bytes(), "shanghai_city_office_2025.md")


def all_rows(document: Document) -> list[list[str]]:
    return [row for table in document.tables for row in table.texts()]


def test_markdown_exports_are_md(stcsm, city_office):
    for document in (stcsm, city_office):
        assert document.source.format == "md"
        for table in document.tables:
            assert_rectangular(table)
            assert not any(set(cell) <= set("-:|") and cell for row in table.texts() for cell in row)


def test_stcsm_tables(stcsm):
    assert len(stcsm.tables) == 9  # the first: table 二's lines left as text (see the test below)
    first = stcsm.tables[1]
    assert first.caption == "表二：主动公开政府信息情况"
    assert first.texts() == [["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
                             ["规章", "0", "0", "0"], ["规范性文件", "13", "0", "55"]]
    rows = all_rows(stcsm)
    assert ["一、本年新收政府信息公开申请数量", "32", "2", "0", "0", "0", "0", "34", ""] in rows
    assert ["三、", "（一）予以公开", "9", "0", "0", "0", "0", "0", "9"] in rows  # shifted row kept as it is (D16)
    assert ["（七）总计", "33", "2", "0", "0", "0", "0", "35"] in rows
    assert ["四、结转下年度继续办理", "1", "0", "0", "0", "0", "0", ""] in rows  # blank 总计 (D7)
    assert stcsm.tables[-1].texts()[-1] == ["1", "0", "0", "0", "1"] + ["0"] * 10


def test_stcsm_text_and_sections(stcsm):
    assert stcsm.blocks[0].kind == "title"  # the archiver's "正文" line above it is not report text
    assert stcsm.text.split("\n")[0] == "2024 年上海市科委政府信息公开工作年度报告"
    assert "根据《中华人民共和国政府信息公开条例》和《上海市政府信息公开规定》的要求，市科委编制了" in stcsm.text
    assert "| " not in stcsm.text and "表二：" not in stcsm.text  # tables and their captions are not narrative
    headings = heading_texts(stcsm)
    for heading in ["一、总体情况", "二、工作机制保障", "（一）主要问题", "五、其他需要报告的事项"]:
        assert heading in headings
    result = analyze_bytes((REAL / "shanghai_stcsm_2024.md").read_bytes(), "shanghai_stcsm_2024.md",
                           stages=["metadata", "sections"])
    assert {1, 2, 3, 4, 6} <= {s.number for s in result.sections}


def test_wrapped_line_inside_a_book_title_or_after_a_closing_quote_is_joined(city_office):
    assert "《关于印发中华人民共和国政府信息公开工作年度报告格式的通知》（国办公开办函〔2021〕30 号）的要求编制" in city_office.text
    assert "持续深化政策公开“政社合作”机制探索" in city_office.text


def test_city_office_tables(city_office):
    rows = all_rows(city_office)
    assert [t.caption for t in city_office.tables[1:4]] == [None, "表二：主动公开政府信息情况", "表二：主动公开政府信息情况"]
    assert city_office.tables[2].texts() == [["规章", "22", "235"]]  # separate blocks are separate tables
    assert ["一、本年新收政府信息公开申请数量", "1259", "36", "0", "0", "0", "0", "1295"] in rows
    assert ["（三）不", "4.保护第三方合法权益", "0", "0", "0", "0", "0", "0", "0"] in rows
    assert ["（七）总计", "1139", "48", "0", "0", "4", "0", "1191", ""] in rows
    assert ["四、结转下年度继续办理", "290", "3", "0", "0", "0", "0", "293", ""] in rows
    assert city_office.tables[-1].texts()[-1] == ["40", "0", "10", "5", "55", "2", "0", "4", "6", "12",
                                                  "6", "0", "9", "7", "22"]


def test_city_office_pages_and_text(city_office):
    assert city_office.source.pages == 7
    assert "— 1 —" not in city_office.text and "— 7 —" not in city_office.text
    assert "着力发挥政务公开促落实、优服务、强监督作用" in city_office.text  # a sentence broken by page 1's footer
    assert city_office.page_at(city_office.text.index("一、总体情况")) == 1
    assert city_office.page_at(city_office.text.index("（四）平台建设方面")) == 3
    assert city_office.tables[-1].pages == [6]
    assert city_office.tables[-1].rows[0][0].page == 6
    result = analyze_bytes((REAL / "shanghai_city_office_2025.md").read_bytes(), "shanghai_city_office_2025.md",
                           stages=["metadata", "sections"])
    assert [s.number for s in result.sections] == [1, 2, 3, 4, 5, 6]
    assert result.document.year == 2025


HANDMADE_MD = """# 某局2023年政府信息公开工作年度报告

**一、总体情况**
本机关全年共收到政府信息公开申请，各类申请
共计 5 件，均已按期答复。

## 附表

| 信息内容 | 本年制发件数 | 本年废止件数 |
|:---|---:|---|
| 规章 | 1 |
| 规范性文件 | 2 | 0 | 9 | extra |
| 含\\|竖线 | 3 | 1 |
| 社会<br>公益组织 | **0** | 0 |
注：以上为本年数据。
| 行政许可 | 7 |
|---|---|

## 其他说明
无。
"""


def test_handmade_markdown():
    document = MarkdownBackend().convert(HANDMADE_MD.encode("utf-8"), "report.md")
    assert document.blocks[0].kind == "title"
    assert "本机关全年共收到政府信息公开申请，各类申请共计 5 件，均已按期答复。" in document.text
    assert heading_texts(document) == ["一、总体情况", "其他说明"]
    assert "附表" not in document.text
    assert len(document.tables) == 2  # one text line between two pipe blocks keeps them apart
    first, second = document.tables
    assert (first.caption, second.caption) == ("附表", None)
    assert first.texts() == [["信息内容", "本年制发件数", "本年废止件数", "", ""],
                             ["规章", "1", "", "", ""],
                             ["规范性文件", "2", "0", "9", "extra"],
                             ["含|竖线", "3", "1", "", ""],
                             ["社会公益组织", "0", "0", "", ""]]
    assert second.texts() == [["行政许可", "7"]]
    assert first.anchor < document.text.index("注：以上为本年数据。") < second.anchor
    assert document.source.pages is None


def test_markdown_gbk_export_decodes():
    document = ingest(HANDMADE_MD.encode("gb18030"), "report.md")
    assert document.source.format == "md"
    assert document.source.encoding == "gb18030"
    assert len(document.tables) == 2


def test_html_paragraphs_broken_mid_sentence_join_but_never_across_a_table():
    body = ("<p>2023年，本机关全年共收到各类政府信息公开申请</p><p>5件，均已按期答复。</p>"
            "<p>本机关政府信息公开申请办理情况统计如下表所列</p>"
            "<table><tr><td>规章</td><td>1</td></tr></table>"
            "<p>表中数据均已经过复核并与系统台账一致。</p>")
    document = ingest(page(body).encode(), "joined.html")
    assert "2023年，本机关全年共收到各类政府信息公开申请5件，均已按期答复。" in document.text
    assert "统计如下表所列\n表中数据" in document.text
    assert document.tables[0].anchor == document.text.index("\n表中数据")


def test_unmarked_sidebar_with_long_text_stays_out():
    """A sidebar of notices (no furniture class, real sentences) beside the report is not report text."""
    notice = "<p>关于开展2024年度政务公开工作培训的通知：请各单位于本月底前报送参训人员名单，逾期不再受理。</p>" * 3
    body = (CHROME_TOP + f'<div class="col-l">{notice}</div><div class="col-r">{REPORT_BODY}</div>'
            + CHROME_BOTTOM)
    document = ingest(page(body).encode(), "sidebar.html")
    assert "培训的通知" not in document.text
    assert_small_report(document)


def test_title_from_the_page_title_when_the_page_has_no_other():
    body = REPORT_BODY
    data = (f"<html><head><title>某县民政局2023年政府信息公开工作年度报告-某县人民政府网</title></head>"
            f"<body><div>{body}</div></body></html>").encode()
    document = ingest(data, "titled.html")
    assert document.blocks[0].kind == "title"
    assert document.hints["title"] == "某县民政局2023年政府信息公开工作年度报告"


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_seed_rendered_to_html_reads_like_the_txt(charset):
    txt = ingest(SEED.read_bytes(), SEED.name)
    rendered = to_html(seed_spec(), charset=charset)
    head, _, rest = rendered.partition(b"<body>")
    body, _, tail = rest.partition(b"</body>")
    top = "\n".join(line for line in CHROME_TOP.splitlines() if "<h1>" not in line)
    framed = (head + b"<body>" + top.encode(charset) + b'<div class="content">' + body + b"</div>"
              + CHROME_BOTTOM.encode(charset) + b"</body>" + tail)
    for data in (rendered, framed):
        document = ingest(data, "seed.html")
        assert document.text == txt.text
        assert [t.texts() for t in document.tables] == [t.texts() for t in txt.tables]
        assert [t.anchor for t in document.tables] == [t.anchor for t in txt.tables]


def test_document_metadata_box_gives_hints_not_a_table():
    box = ('<table class="xxgk"><tr><td>索引号：</td><td>11350100MB0000000X/2024-00012</td>'
           '<td>发布机构：</td><td>某县民政局</td></tr>'
           '<tr><td>生成日期：</td><td>2024-01-18</td><td>文号：</td><td></td></tr>'
           '<tr><td>主题分类：</td><td>政务公开</td><td>发布日期：2024-01-19 09:30</td><td>有效性：有效</td></tr></table>')
    body = CHROME_TOP.replace("<h1>", box + "<h1>") + f'<div class="content">{REPORT_BODY}</div>' + CHROME_BOTTOM
    document = ingest(page(body).encode(), "box.html")
    assert_small_report(document)
    assert "索引号" not in document.text
    assert document.hints["index_number"] == "11350100MB0000000X/2024-00012"
    assert document.hints["written"] == "2024-01-18"
    assert document.hints["published"] == "2024-01-19 09:30"  # the box comes before the header line
    assert document.hints["agency"] == "某县民政局"
    assert "document_number" not in document.hints


def test_title_inside_the_content_after_a_breadcrumb_is_the_title_once():
    content = ('<div class="content"><div>当前位置：首页 &gt; 政务公开 &gt; 年报</div>'
               f'<h2>某县民政局2023年政府信息公开工作年度报告</h2>{REPORT_BODY}</div>')
    document = ingest(page(content).encode(), "inner-title.html")
    assert document.text.count("某县民政局2023年政府信息公开工作年度报告") == 1
    assert_small_report(document)


def test_furniture_dropped_by_class_words_inside_a_content_wrapper_named_like_furniture():
    content = (f'<div class="newmain" id="printContent">{REPORT_BODY}'
               '<div class="ewm"><p>用手机扫码阅读本文</p></div><div class="art-btn"><span>返回列表</span></div></div>')
    document = ingest(page(CHROME_TOP + content + CHROME_BOTTOM).encode(), "wrapped.html")
    assert "扫码" not in document.text and "返回列表" not in document.text
    assert_small_report(document)


def test_markdown_backend_accepts_pipe_tables_only():
    assert MarkdownBackend.accepts((REAL / "shanghai_stcsm_2024.md").read_bytes())
    assert not MarkdownBackend.accepts(standard_page().encode())
    assert not MarkdownBackend.accepts("一、总体情况\n本机关收到申请5件。".encode())


@pytest.mark.parametrize("tag", ["div", "font"])
def test_thousands_of_unclosed_tags_do_not_overflow(tag):
    data = page(f"<{tag}>" * 5000 + REPORT_BODY).encode()
    document = ingest(data, "deep.html")
    assert "全年共收到各类政府信息公开申请5件，均已在法定期限内答复" in document.text
    assert heading_texts(document) == ["一、总体情况", "三、收到和处理政府信息公开申请情况", "五、存在的主要问题及改进情况"]
    assert len(document.tables) == 1 and document.tables[0].n_rows == 5


def test_page_header_line_inside_the_content_gives_hints_not_text():
    content = ('<div class="content"><h2>某县民政局2023年政府信息公开工作年度报告</h2>'
               '<p>信息来源：某县民政局　发布时间：2024-01-20 09:30　浏览次数：128</p>'
               f'{REPORT_BODY}</div>')
    document = ingest(page(content).encode(), "header.html")
    assert "浏览次数" not in document.text and "信息来源" not in document.text
    assert document.hints["agency"] == "某县民政局"
    assert document.hints["published"] == "2024-01-20 09:30"
    assert_small_report(document)


def test_markdown_table_cut_by_a_page_footer_stays_one_table():
    text = ("一、总体情况\n本机关全年共收到政府信息公开申请，各类申请共计 5 件。\n— 1 —\n"
            "| 规章 | 1 | 0 |\n|---|---|---|\n| 行政规范性文件 | 2 | 0 |\n- 2 -\n| 行政许可 | 7 | |\n")
    document = MarkdownBackend().convert(text.encode(), "cut.md")
    assert document.source.pages == 3
    assert len(document.tables) == 1
    table = document.tables[0]
    assert table.texts() == [["规章", "1", "0"], ["行政规范性文件", "2", "0"], ["行政许可", "7", ""]]
    assert table.pages == [2, 3]
    assert [row[0].page for row in table.rows] == [2, 2, 3]
    assert "— 1 —" not in document.text and "- 2 -" not in document.text


def test_table_lines_left_as_text_become_a_raw_table(stcsm):
    rows = all_rows(stcsm)
    assert ["行政许可", "97"] in rows and ["行政事业性收费", "0"] in rows
    assert "行政许可 97" not in stcsm.text and "第二十条第（五）项" not in stcsm.text


def test_prose_lists_and_lines_without_a_table_header_stay_text():
    lines = ["全年办理情况", "网站发布 97", "微信发布 12", "", "第二十条第（五）项", "行政许可 3"]
    assert find_line_tables(lines, lambda line: False) == []
    found = find_line_tables(["第二十条第（五）项", "信息内容本年处理决定数量", "行政许可 3", "行政处罚 0"],
                             lambda line: False)
    assert [t.rows for t in found] == [[["第二十条第（五）项"], ["信息内容本年处理决定数量"], ["行政许可", "3"],
                                        ["行政处罚", "0"]]]
