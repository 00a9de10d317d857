"""The evaluation's scoring rules: findings by (document, rule), figure gold read from the figures helper's files."""

from __future__ import annotations

from service.batch.evaluation import figure_gold, score_findings
from service.findings import Finding
from service.result import DocumentInfo, Result


def _result(*rules_and_severities: tuple[str, str]) -> Result:
    findings = [Finding(rule=rule, severity=severity, message_zh="测试", message_en="test")
                for rule, severity in rules_and_severities]
    return Result(document=DocumentInfo(sha256="0" * 64, source_name="x.txt", format="txt"), text="",
                  findings=findings)


def test_findings_are_scored_per_document_and_rule():
    gold = {
        "a.txt": {"expected": ["R1", "X1"], "acceptable": ["X11"]},
        "b.txt": {"expected": [], "acceptable": []},
    }
    results = {
        "a.txt": _result(("R1", "error"), ("R1", "error"), ("X11", "warning"), ("X13", "info"), ("D1", "warning")),
        "b.txt": _result(("X12", "error")),
    }
    score = score_findings(results, gold)
    assert (score["tp"], score["pred"], score["gold"]) == (1, 2, 2)
    assert score["missed"] == ["a.txt:X1"] and score["false_positives"] == ["b.txt:X12"]
    assert score["p"] == 0.5 and score["r"] == 0.5


def test_figure_gold_resolves_its_sources_and_matches_the_texts():
    gold = figure_gold()
    assert len(gold) >= 30 and sum(len(g.figures) for g in gold) >= 200
    for item in gold:
        for figure in item.figures:
            assert 0 <= figure.start < figure.end <= len(item.text)
