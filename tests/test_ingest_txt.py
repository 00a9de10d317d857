from service.ingest import ingest
from service.text import compact
from tests.conftest import REAL, SEED


def test_seed_text_joins_words_split_by_page_breaks(seed_bytes):
    doc = ingest(seed_bytes, SEED.name)
    for phrase in ("做好疑问解答", "推动形成政府信息公开新矩阵", "依申请公开办理的规范化水平"):
        assert phrase in doc.text
    assert "\t" not in doc.text


def test_seed_keeps_paragraph_breaks_and_headings(seed_bytes):
    doc = ingest(seed_bytes, SEED.name)
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert headings == ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                        "四、政府信息公开行政复议、行政诉讼情况", "五、存在的不足及改进措施", "六、其他需要报告的事项"]
    assert doc.text.count("\n") == len(doc.blocks) - 1


def test_seed_tables_are_raw_grids_outside_the_text(seed_bytes):
    doc = ingest(seed_bytes, SEED.name)
    assert len(doc.tables) == 3
    t2, t3, t4 = doc.tables
    assert t2.texts()[0][0] == "第二十条第（一）项"
    assert ["规范性文件", "5", "1", "13"] == t2.texts()[3]
    assert all(len(row) == t3.n_cols for row in t3.rows)
    labels = [compact(row[0].text + row[1].text) for row in t3.rows]
    assert any("4.保护第三方合法权益" in label for label in labels)
    assert t4.texts()[-1][5:10] == ["1", "0", "0", "0", "1"]
    assert "本年新收政府信息公开申请数量" not in doc.text
    assert doc.text[: t3.anchor].endswith("三、收到和处理政府信息公开申请情况")


def test_archived_page_header_becomes_hints_and_chrome_is_dropped():
    path = REAL / "fujian_pingtan_zone_2021.txt"
    doc = ingest(path.read_bytes(), path.name)
    assert doc.hints["title"] == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert doc.hints["published"].startswith("2022-02-08")
    assert "当前位置" not in doc.text and "微博" not in doc.text and "附件下载" not in doc.text
    assert doc.text.startswith("根据《中华人民共和国政府信息公开条例》")


def test_one_line_report_is_split_into_headings_and_flattened_tables():
    path = REAL / "fujian_pingtan_zone_2021.txt"
    doc = ingest(path.read_bytes(), path.name)
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == ["一、总体情况", "二、主动公开政府信息情况"]
    assert len(headings) == 6
    assert [t.flattened for t in doc.tables] == [True, True, True]
    requests = doc.tables[1].texts()
    assert requests[0][1] == "640020470"
    assert requests[0][0].endswith("一、本年新收政府信息公开申请数量")
    # the list number of the next row ("2.") is not taken as a digit of the previous row's run
    assert ["2.其他法律行政法规禁止公开", "0000000"] in requests
    assert doc.tables[2].texts()[0][1] == "10203120001200000"
    assert all(row[1].ambiguous for row in doc.tables[1].rows if row[1].text)


def test_inline_heading_with_other_conjunction_is_found():
    path = REAL / "fujian_pingtan_econdev_2023.txt"
    doc = ingest(path.read_bytes(), path.name)
    headings = [doc.text[b.start:b.end] for b in doc.blocks if b.kind == "heading"]
    assert "四、政府信息公开行政复议与行政诉讼情况" in headings


def test_flattened_table_ends_where_a_subsection_of_prose_resumes():
    path = REAL / "fujian_pingtan_finance_2021.txt"
    doc = ingest(path.read_bytes(), path.name)
    active = doc.tables[0].texts()
    assert active[-1][1] == "7816"
    assert not any("主要类别" in row[0] for row in active)
    assert "(二)主动公开政府信息的主要类别 2021年，在主动公开的198条政府信息中" in doc.text
    # prose after the table comes after it in the text, as in the report
    assert doc.text.index("主要类别") > doc.text.index("主动公开的政府信息占41.5%")
