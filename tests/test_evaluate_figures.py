"""The subject and link scoring of scripts/evaluate_figures.py, and the shape of the figure gold's subject/link fields."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from service.ingest import ingest
from service.result import Figure

ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = ROOT / "corpora" / "gold" / "figures"


def _load_script():
    spec = importlib.util.spec_from_file_location("evaluate_figures", ROOT / "scripts" / "evaluate_figures.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


evaluate_figures = _load_script()

# "收到申请40件，其中予以公开30件、不予公开10件，占25%；办理行政复议2件。"
TEXT = "收到申请40件，其中予以公开30件、不予公开10件，占25%；办理行政复议2件。"


def _gold(text: str, value: float, unit: str, kind: str, subject: str | None, part_of: int | None = None,
          refers_to: int | None = None) -> dict:
    start = TEXT.index(text)
    return {"start": start, "end": start + len(text), "text": text, "value": value, "unit": unit, "kind": kind,
            "approximate": False, "subject": subject, "part_of": part_of, "refers_to": refers_to}


def _figure(figure_id: str, text: str, value: float, unit: str, kind: str, subject: str | None,
            part_of: str | None = None, refers_to: str | None = None) -> Figure:
    start = TEXT.index(text)
    return Figure(id=figure_id, text=text, start=start, end=start + len(text), sentence=(0, len(TEXT)), value=value,
                  unit=unit, kind=kind, subject=subject, part_of=part_of, refers_to=refers_to)


GOLD = [
    _gold("40件", 40, "件", "count", "申请"),
    _gold("30件", 30, "件", "count", "予以公开", part_of=0),
    _gold("10件", 10, "件", "count", "不予公开", part_of=0),
    _gold("25%", 25, "%", "percent", None, refers_to=2),
    _gold("2件", 2, "件", "count", "行政复议"),
]

PREDICTED = [
    _figure("f1", "40件", 40, "件", "count", "收到申请"),  # lenient only
    _figure("f2", "30件", 30, "件", "count", "予以 公开", part_of="f1"),  # exact once whitespace is removed
    _figure("f3", "10件", 10, "件", "count", "公开", part_of="f2"),  # lenient; the link points to the wrong total
    _figure("f4", "25%", 25, "%", "percent", None, refers_to="f3"),
    _figure("f5", "2件", 20, "件", "count", "行政复议", part_of="f1"),  # wrong value: not matched, its link not scored
]


def test_match_figures_needs_span_value_and_unit():
    matched = evaluate_figures.match_figures(GOLD, PREDICTED)
    assert sorted(matched) == [0, 1, 2, 3]
    assert matched[3].id == "f4"


def test_subject_and_link_scores_on_a_hand_built_pair():
    scores = evaluate_figures.LinkScores()
    evaluate_figures.score_links("doc: ", GOLD, PREDICTED, scores)
    subject = scores.subject
    assert (scores.documents, scores.figures) == (1, 4)
    assert (subject.total, subject.exact, subject.lenient, subject.gold_none) == (4, 2, 4, 1)
    assert subject.mismatches == ["doc: #0 40件: gold '申请', got '收到申请'", "doc: #2 10件: gold '不予公开', got '公开'"]
    part_of = scores.links["part_of"]
    assert (part_of.true_positive, part_of.predicted, part_of.gold) == (1, 2, 2)
    assert part_of.prf() == (0.5, 0.5, 0.5)
    assert part_of.misses == ["doc: #2 10件 → #0 40件"] and part_of.false == ["doc: #2 10件 → #1 30件"]
    refers_to = scores.links["refers_to"]
    assert (refers_to.true_positive, refers_to.predicted, refers_to.gold) == (1, 1, 1)


def test_a_gold_link_to_an_unmatched_figure_is_not_counted():
    predicted = [f for f in PREDICTED if f.id != "f1"]
    wanted, got = evaluate_figures.link_pairs(GOLD, "part_of", evaluate_figures.match_figures(GOLD, predicted))
    assert wanted == set()  # both gold parts point to 40件, which nothing matched
    assert got == {(2, 1)}  # 10件 → 30件: both ends matched, so a false link


def test_documents_without_the_new_fields_are_left_out():
    assert evaluate_figures.has_links(GOLD)
    assert not evaluate_figures.has_links([{k: v for k, v in g.items() if k != "subject"} for g in GOLD])


def _gold_entries() -> list[tuple[str, dict]]:
    entries = []
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        lines = filter(str.strip, path.read_text(encoding="utf-8").splitlines())
        entries += [(path.name, json.loads(line)) for line in lines]
    return entries


def _text(source: str) -> str:
    kind, _, name = source.partition(":")
    if kind == "corpus":
        return ingest((ROOT / "corpora" / "real" / name).read_bytes(), name).text
    lines = (ROOT / "corpora" / "narrative" / "excerpts.jsonl").read_text(encoding="utf-8").splitlines()
    return next(row["text"] for row in map(json.loads, filter(str.strip, lines)) if row["id"] == name)


def test_enough_documents_carry_subjects_and_links():
    linked = [(name, entry) for name, entry in _gold_entries() if evaluate_figures.has_links(entry["figures"])]
    assert sum(name == "heldout.jsonl" for name, _ in linked) == 15
    assert sum(name == "excerpts.jsonl" for name, _ in linked) >= 10


@pytest.mark.parametrize("name,entry", _gold_entries(), ids=lambda x: x if isinstance(x, str) else x["source"])
def test_gold_subjects_and_links_are_well_formed(name: str, entry: dict):
    figures = entry["figures"]
    carried = [sum(field in g for field in evaluate_figures.LINK_FIELDS) for g in figures]
    assert set(carried) <= {0, 3}, "a figure carries some of subject/part_of/refers_to but not all"
    if not evaluate_figures.has_links(figures):
        return
    compact_text = "".join(_text(entry["source"]).split())
    for i, g in enumerate(figures):
        assert g["subject"] is None or (g["subject"].strip() and "".join(g["subject"].split()) in compact_text)
        assert g["kind"] not in ("percent", "duration") or g["subject"] is None
        for link in evaluate_figures.LINKS:
            target = g[link]
            assert target is None or (isinstance(target, int) and 0 <= target < len(figures) and target != i)
        assert _part_of_chain_ends(figures, i)


def _part_of_chain_ends(figures: list[dict], i: int) -> bool:
    seen = {i}
    while figures[i]["part_of"] is not None:
        i = figures[i]["part_of"]
        if i in seen:
            return False
        seen.add(i)
    return True
