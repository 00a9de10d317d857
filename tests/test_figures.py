"""Figures read from the narrative: the seed report, the 92 example sentences of format-spec §9, the number grammar."""

from __future__ import annotations

import re

import pytest
from spacy.language import Language

from service.ingest import ingest
from service.nlp.numbers import find_numbers, parse_number
from service.nlp.pipeline import MODEL_FIGURES, build_nlp, get_nlp
from service.nlp.stage import figures_from_doc
from service.pipeline import analyze_document
from tests.conftest import ROOT

SPEC = ROOT / "docs" / "format-spec.md"


@pytest.fixture(scope="module")
def seed_figures(seed_bytes):
    return analyze_document(ingest(seed_bytes, "gusu_2023_report.txt"), stages=["figures"]).figures


def test_seed_gives_exactly_the_stated_figures(seed_figures):
    assert [(f.value, f.unit) for f in seed_figures] == [
        (6116, "条"), (2540, "条"), (3431, "条"), (145, "条"), (88, "件"), (15, "件"), (623, "条"), (42, "件"),
        (31, "%"), (23, "件"), (1, "件"), (8, "件"), (7, "件"), (3, "件"), (10, "件"), (13, "件"), (12, "件"),
        (1, "件"), (29, "个"), (20, "个"), (19, "个"), (3, "个"), (1, "个"), (6, "个"), (20, "个工作日"),
    ]


def test_seed_subjects(seed_figures):
    subjects = {(f.value, f.unit): f.subject for f in seed_figures if f.part_of is None}
    assert subjects[(6116, "条")] == "信息"
    assert subjects[(88, "件")] == "政府文件"
    assert subjects[(15, "件")].endswith("常务会议纪要")
    assert subjects[(623, "条")].endswith("留言")
    assert "依申请公开" in subjects[(42, "件")]
    assert "协查" in subjects[(10, "件")]
    assert subjects[(13, "件")].endswith("规范性文件")
    assert subjects[(29, "个")] == "政务新媒体"
    assert subjects[(20, "个")] == "主管部门"
    parts = [f.subject for f in seed_figures if f.part_of == seed_figures[0].id]
    assert parts == ["信息公开", "政务动态", "其他信息"]


def test_seed_relations_and_metrics(seed_figures):
    by_text = {(f.value, f.unit, f.part_of is None): f for f in seed_figures}
    total_info = by_text[(6116, "条", True)]
    assert [f.value for f in seed_figures if f.part_of == total_info.id] == [2540, 3431, 145]
    requests = by_text[(42, "件", True)]
    assert requests.metric == "requests.total.total" and requests.rule == "X2"
    change = by_text[(31, "%", True)]
    assert (change.kind, change.change, change.refers_to) == ("percent", "increase", requests.id)
    parts = [(f.value, f.metric) for f in seed_figures if f.part_of == requests.id]
    assert parts == [(23, "requests.granted+partial.total"), (1, "requests.denied.total"),
                     (8, "requests.unable.not_held.total"), (7, "requests.not_processed.total"),
                     (3, "requests.other.total")]
    normative = by_text[(13, "件", True)]
    assert normative.metric == "active_disclosure.normative_documents.in_force"
    assert [f.value for f in seed_figures if f.part_of == normative.id] == [12, 1]
    media = by_text[(29, "个", True)]
    assert [f.value for f in seed_figures if f.part_of == media.id] == [19, 3, 1, 6]
    assert by_text[(20, "个", True)].part_of is None
    assert by_text[(10, "件", True)].metric is None  # 协查 is assistance to another office, not a table cell
    deadline = by_text[(20, "个工作日", True)]
    assert deadline.kind == "duration" and deadline.metric is None


def test_seed_offsets_point_into_the_text(seed_bytes, seed_figures):
    text = ingest(seed_bytes, "gusu_2023_report.txt").text
    for f in seed_figures:
        assert text[f.start:f.end] == f.text
        assert f.sentence[0] <= f.start < f.end <= f.sentence[1]
    assert not any(f.value in (2023, 2024) for f in seed_figures)


# format-spec §9: value+unit; ~ approximate; +/- a change; s a share; ^k part of the k-th figure; [metric]
EXAMPLES = {
    "E01": "13件 5件^0 4件^0 4件^0 42件 106件 113件",
    "E02": "46106条",
    "E03": "191场 25人次",
    "E04": "151场",
    "E05": "4583条 2107条^0 672条 3782565次",
    "E06": "6012条 722条",
    "E07": "2476条",
    "E08": "130件[new_received] +103%",
    "E09": (
        "100% 59件[granted+partial] 45.3%s 32件[denied] 24.6%s 26件[unable] 20%s 1件[not_processed] 0.7%s "
        "12件[other] 9.2%s"
    ),
    "E10": "41400条 750条",
    "E11": "3561条",
    "E12": "18份",
    "E13": "80件[total] +5.26% 2件[carried_over] 8件[carried_forward]",
    "E14": (
        "5宗[review_litigation.review] 0宗[review_litigation.litigation] "
        "2宗^0[review_litigation.review.upheld] 1宗^0[review_litigation.review.corrected] "
        "1宗^0[review_litigation.review.other] 1宗^0[review_litigation.review.pending]"
    ),
    "E15": "~40000条 12期 ~50件",
    "E16": "4个 ~250家",
    "E17": "~5000件 ~200000件 100%",
    "E18": "34条 150条",
    "E19": "2件[new_received]",
    "E20": "92条",
    "E21": "8份[new_received] 2件^0[granted] 2件^0[partial] 1件^0[denied.process_info] 2件^0[unable.not_held] 1件^0",
    "E22": "314条 3条^0 2条^0 1条^0 8条^0 12条^0 20条^0 268条^0",
    "E23": "0件[new_received] 0件[carried_over]",
    "E24": "42单 100% 20条 185条",
    "E25": "423条",
    "E26": "5件[new_received] 1起[review_litigation.review]",
    "E27": "20个工作日 66件",
    "E28": "1件[new_received]",
    "E29": "64条 59条^0 3条^0 1条^0 1条^0",
    "E30": "~300条 208条 3条^1 74条^1 19条^1 8条^1 20条^1 84条^1 ~100条",
    "E31": "700条 0条^0 65条 635条",
    "E32": "~1000条 ~100条^0",
    "E33": "25条",
    "E34": "3条[new_received] 100%",
    "E35": "",
    "E36": "2645条",
    "E37": "20680批次",
    "E38": "29项",
    "E39": "70件[new_received] 69件[total] 1件[carried_forward]",
    "E40": "2个",
    "E41": "4次",
    "E42": "",
    "E43": "14571条",
    "E44": "698件[active_disclosure.normative_documents.in_force] 88件[active_disclosure.normative_documents.issued]",
    "E45": "75件[new_received] 72件^0[new_received.natural_person] 3件^0[new_received.commercial] 100%",
    "E46": "1件[review_litigation.litigation] 2件[review_litigation.review]",
    "E47": "33个",
    "E48": "10407条",
    "E49": "96篇",
    "E50": "53期 51期 12期",
    "E51": "218件[total]",
    "E52": "62件[active_disclosure.normative_documents.issued]",
    "E53": "5个",
    "E54": "~5500条 1件 11件 21个 6期",
    "E55": "12场",
    "E56": "3119件[new_received] 3050件[total] 34件^1[carried_over] 103件[carried_forward]",
    "E57": (
        "351件[review_litigation.review] 72件^0[review_litigation.review.upheld] "
        "64件^0[review_litigation.review.corrected] 178件^0[review_litigation.review.other] "
        "37件^0[review_litigation.review.pending] 46件[review_litigation.litigation] "
        "25件^5[review_litigation.litigation.upheld] 5件^5[review_litigation.litigation.corrected] "
        "9件^5[review_litigation.litigation.other] 7件^5[review_litigation.litigation.pending]"
    ),
    "E58": "95个 100%",
    "E59": "4次",
    "E60": "3940元",
    "E61": "1136条",
    "E62": "21件[new_received]",
    "E63": "0元",
    "E64": "2428条 7期 7条",
    "E65": "17件[new_received]",
    "E66": "22件 34件 196件 84件 125项",
    "E67": "42场 19场",
    "E68": "~300个",
    "E69": "1295件[new_received] 1191件[total] 189件^1[carried_over]",
    "E70": (
        "208件[granted+partial] 17.46%s 20件[denied] 1.68%s 564件[unable] 47.36%s 80件[not_processed] 6.72%s "
        "319件[other] 26.78%s 157件^8"
    ),
    "E71": "166件 330件",
    "E72": "10个 13528条 5360000 +82% 47% ~459000人",
    "E73": "15个 ~31700000 13600000^1 ~3000000^1",
    "E74": "",
    "E75": "1件[review_litigation.review] 0件[review_litigation.litigation]",
    "E76": "393件 13件^0 2件^0 50件^0 85件^0",
    "E77": "34件[new_received] 2件[carried_over]",
    "E78": "9件[granted] 0件[partial] 2件[denied] 10件[unable] 0件[not_processed] 14件[other] 1件[carried_forward]",
    "E79": "2139条 1744条^0 393条^0 21条^0 2条^0",
    "E80": "1640篇 294篇^0 1016823人 584条 1924252次 54373 118场 303855次 136888次",
    "E81": "121条 83条",
    "E82": "",
    "E83": "13件 60件 162件 141件",
    "E84": "859件[new_received] -12.3% 805件[total] 18件^2[carried_over] 72件[carried_forward]",
    "E85": "258件[granted+partial] 33.9%s 35件[denied] 4.34%s 265件[unable] 32.9%s 158件[not_processed] 19.6%s 0件[other]",
    "E86": "7件[review_litigation.review] 9件[review_litigation.litigation]",
    "E87": "24期 112件 45件 83件",
    "E88": "70家",
    "E89": "90.2%",
    "E90": "6116条 2540条^0 3431条^0 145条^0",
    "E91": "42件[total] +31% 23件^0[granted+partial] 1件^0[denied] 8件^0[unable.not_held] 7件^0[not_processed] 3件^0[other]",
    "E92": "",
}


def _spec_sentences() -> dict[str, str]:
    spec = SPEC.read_text(encoding="utf-8")
    return dict(re.findall(r'^\* \*\*(E\d\d)\*\* "(.*?)"(?:\s|$)', spec, re.M))


def _notation(doc) -> str:
    spans = list(doc.spans["figures"])
    out = []
    for s in spans:
        item = f"{'~' if s._.approximate else ''}{s._.value}{s._.unit}"
        if s._.change:
            item = ("+" if s._.change == "increase" else "-") + item
        if s._.relation == "share":
            item += "s"
        if s._.part_of is not None:
            item += f"^{s._.part_of}"
        if s._.metric:
            item += "[" + s._.metric.removeprefix("requests.").removesuffix(".total") + "]"
        out.append(item)
    return " ".join(out)


def test_all_92_example_sentences_are_in_the_table():
    assert sorted(_spec_sentences()) == sorted(EXAMPLES) == [f"E{i:02d}" for i in range(1, 93)]


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_sentence(example):
    sentence = _spec_sentences()[example]
    assert _notation(get_nlp()(sentence)) == EXAMPLES[example]


def test_parts_across_sentences_and_shares():
    sentences = _spec_sentences()
    doc = get_nlp()(sentences["E08"] + sentences["E09"])
    spans = list(doc.spans["figures"])
    parts = [s._.value for s in spans if s._.part_of == 0]
    assert parts == [59, 32, 26, 1, 12] and sum(parts) == spans[0]._.value == 130


@pytest.mark.parametrize("text,value,unit,kind,approximate", [
    ("4.14万条", 41400, "条", "count", False),
    ("2300余万次", 23000000, "次", "count", True),
    ("1.5万元", 15000, "元", "money", False),
    ("十三件", 13, "件", "count", False),
    ("二十九个", 29, "个", "count", False),
    ("１２３件", 123, "件", "count", False),
    ("1,234条", 1234, "条", "count", False),
    ("近 300 个", 300, "个", "count", True),
    ("约50件", 50, "件", "count", True),
    ("超 3170 万", 31700000, "", "count", True),
    ("百分之十二", 12, "%", "percent", False),
    ("17.46%", 17.46, "%", "percent", False),
    ("上升 2.5 个百分点", 2.5, "个百分点", "pp_change", False),
    ("20 个工作日", 20, "个工作日", "duration", False),
    ("15日内", 15, "日", "duration", False),
])
def test_number_grammar(text, value, unit, kind, approximate):
    (match,) = find_numbers(text)
    assert (match.value, match.unit, match.kind, match.approximate) == (value, unit, kind, approximate)


@pytest.mark.parametrize("text", [
    "2023 年", "2024年12月31日", "第二十条第（一）项", "国办公开办函〔2021〕30号", "国务院令第711号", "国令第711号",
    "一是加强", "三是", "危及“三安全一稳定”", "属于三类内部事务信息", "属于四类过程性信息", "党的二十大精神",
    "电话：0591-23456789", "邮编：350400", "拨打12345热线", "六个部分组成", "四个季度", "时间：2023-01-09 16:22",
    "1.属于国家秘密", "http://www.pingtan.gov.cn/t20230109_80621.htm", "— 2 —", "一件事一次办", "第一时间",
])
def test_not_figures(text):
    assert find_numbers(text) == []


def test_parse_number():
    assert parse_number("6,116") == 6116 and parse_number("4.14万") == 41400 and parse_number("两") == 2


def test_a_model_component_slots_in_before_the_rules():
    @Language.component("test_fake_ner")
    def fake_ner(doc):
        doc.spans[MODEL_FIGURES] = [doc.char_span(0, 4, label="FIGURE", alignment_mode="expand")]
        return doc

    nlp = build_nlp()
    nlp.add_pipe("test_fake_ner", before="figure_merge")
    doc = nlp("42件申请，较去年增加 31%。")
    figures = figures_from_doc(doc)
    assert [(f.value, f.source) for f in figures] == [(42, "model"), (31, "rules")]
    assert figures[1].refers_to == figures[0].id


@pytest.mark.parametrize("example,subjects", [
    ("E03", ["新闻发布活动", "新闻发布会"]),             # the noun after the number (191场…活动)
    ("E16", ["领域", "单位信息"]),
    ("E47", ["政务新媒体"]),
    ("E88", ["政府网站"]),
    ("E67", ["新闻发布会", "新闻通气会"]),
    ("E90", ["信息", "信息公开", "政务动态", "其他信息"]),
    ("E80", ["文章", "原创文章", "微信公众号目前关注人数", "短视频", "观看量", "粉丝数", "直播", "观看量", "点赞量"]),
])
def test_example_subjects(example, subjects):
    doc = get_nlp()(_spec_sentences()[example])
    assert [s._.subject for s in doc.spans["figures"]] == subjects


def test_narrative_over_the_limit_is_read_up_to_it_and_says_so(monkeypatch, seed_bytes):
    from service.nlp import stage
    from service.pipeline import analyze_bytes

    monkeypatch.setattr(stage, "MAX_NARRATIVE_CHARS", 400)
    result = analyze_bytes(seed_bytes, "gusu_2023_report.txt")
    (finding,) = [f for f in result.findings if f.rule == "FIGURES"]
    assert finding.severity == "warning" and finding.data["limit"] == 400 and finding.data["chars"] > 400
    assert result.figures and all(f.end <= 400 for f in result.figures)


@pytest.mark.parametrize("text,subjects", [
    # 、 joins the nouns of one subject; a list of figures stays apart
    ("召开媒体通气、新闻发布会17场。", ["媒体通气、新闻发布会"]),
    ("其中信息公开 2540 条、政务动态 3431 条。", ["信息公开", "政务动态"]),
    # the noun after its 的-modifier
    ("全年发生因政府信息公开引起的行政复议1件。", ["行政复议"]),
    ("政府文件、工作报告等民众关心的其他信息共计2004条。", ["其他信息"]),
])
def test_subject_spans_joined_nouns_and_drops_modifiers(text, subjects):
    doc = get_nlp()(text)
    assert [s._.subject for s in doc.spans["figures"]] == subjects
