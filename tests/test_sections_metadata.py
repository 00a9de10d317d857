import pytest

from service.pipeline import analyze_bytes
from tests.conftest import REAL, SEED

TXT_REPORTS = sorted(p for p in REAL.glob("*.txt") if "2018" not in p.name)


def test_seed_metadata_and_sections(seed_bytes):
    result = analyze_bytes(seed_bytes, SEED.name, stages=["metadata", "sections"])
    doc = result.document
    assert doc.agency == "苏州市姑苏区党政办公室"
    assert doc.year == 2023
    assert doc.published == "2024-01-23"
    assert doc.title == "苏州市姑苏区党政办公室 2023 年政府信息公开工作年度报告"
    assert [s.number for s in result.sections] == [1, 2, 3, 4, 5, 6]
    first = result.sections[0]
    assert result.text[first.start:first.end].startswith("一、总体情况")
    assert "6116 条" in result.text[first.start:first.end]


@pytest.mark.parametrize("path", TXT_REPORTS, ids=lambda p: p.name)
def test_archived_reports_have_year_agency_and_sections(path):
    result = analyze_bytes(path.read_bytes(), path.name, stages=["metadata", "sections"])
    year = int(path.stem.rsplit("_", 1)[1])
    assert result.document.year == year
    assert result.document.agency.startswith("平潭综合实验区")
    assert result.document.published.startswith(str(year + 1))
    numbers = [s.number for s in result.sections]
    assert {1, 2, 3, 4, 5} <= set(numbers)


def test_chinese_numeral_sign_off_date():
    text = "一、总体情况\n本机关收到申请3件。\n某某县人民政府办公室\n二〇二四年一月二十三日\n".encode()
    result = analyze_bytes(text, "r.txt", stages=["metadata"])
    assert result.document.published == "2024-01-23"


def test_pre_2019_report_is_marked_by_its_old_statistics_table():
    path = REAL / "fujian_pingtan_zone_2018.txt"
    result = analyze_bytes(path.read_bytes(), path.name, stages=["metadata"])
    assert result.document.template == "pre-2019"
    seed = analyze_bytes(SEED.read_bytes(), SEED.name, stages=["metadata"])
    assert seed.document.template == "unknown"


def test_pre_2019_sections_are_found_by_the_older_template_headings():
    path = REAL / "fujian_pingtan_zone_2018.txt"
    result = analyze_bytes(path.read_bytes(), path.name, stages=["metadata", "sections"])
    titles = {s.number: result.text[s.start:s.end][:12] for s in result.sections}
    assert set(titles) == {1, 2, 3, 4, 5}  # the old template has no 其他需要报告的事项 here
    assert titles[1].startswith("一、概述") and titles[3].startswith("三、政府信息依申请公开")


def test_older_template_words_do_not_claim_a_new_report_subsection():
    text = ("一、总体情况\n（一）依申请公开情况\n本年收到申请3件。\n二、主动公开政府信息情况\n"
            "三、收到和处理政府信息公开申请情况\n").encode()
    result = analyze_bytes(text, "r2023.txt", stages=["metadata", "sections"])
    third = next(s for s in result.sections if s.number == 3)
    assert result.text[third.start:third.end].startswith("三、收到和处理")
