"""Figure extraction against the hand-made gold set: precision, recall and F1 (exact span; span + value + unit);
then, over the figures matched on span + value + unit, subject accuracy and part_of / refers_to links.

    python scripts/evaluate_figures.py            # totals
    python scripts/evaluate_figures.py --errors   # also every miss and false figure, subject and link mismatch

Gold: corpora/gold/figures/*.jsonl, one document per line: {"source": "excerpt:<id>" | "corpus:<file>",
"figures": [{"start", "end", "text", "value", "unit", "kind", "approximate", "subject", "part_of", "refers_to"}]}.
Excerpt offsets point into the excerpt's text (corpora/narrative/excerpts.jsonl); corpus offsets into the text
`service.ingest.ingest` makes of corpora/real/<file>. `part_of` and `refers_to` are indexes into the document's
gold `figures`. Only documents whose every gold figure carries subject, part_of and refers_to count for the subject
and link rows. See corpora/gold/figures/README.md for what counts as a figure and how subjects and links are marked.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.batch.evaluation import excerpt_texts, gold_source_text  # noqa: E402
from service.nlp.pipeline import get_nlp  # noqa: E402
from service.nlp.stage import figures_from_doc  # noqa: E402
from service.result import Figure  # noqa: E402

GOLD_DIR = ROOT / "corpora" / "gold" / "figures"
LINK_FIELDS = ("subject", "part_of", "refers_to")
LINKS = ("part_of", "refers_to")


@dataclass
class Score:
    true_positive: int = 0
    predicted: int = 0
    gold: int = 0
    misses: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)

    def prf(self) -> tuple[float, float, float]:
        p = self.true_positive / self.predicted if self.predicted else 0.0
        r = self.true_positive / self.gold if self.gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass
class SubjectScore:
    total: int = 0
    exact: int = 0
    lenient: int = 0
    gold_none: int = 0
    """Matched figures whose gold names no subject (percentages, durations, nothing named)."""
    mismatches: list[str] = field(default_factory=list)


@dataclass
class LinkScores:
    """Subjects and part_of / refers_to links of the figures matched on span + value + unit."""

    documents: int = 0
    figures: int = 0
    subject: SubjectScore = field(default_factory=SubjectScore)
    links: dict[str, Score] = field(default_factory=lambda: {name: Score() for name in LINKS})


def context(text: str, start: int, end: int) -> str:
    return (text[max(0, start - 12):start] + "[" + text[start:end] + "]" + text[end:end + 8]).replace("\n", "⏎")


def same_value(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6 * max(1.0, abs(a))


def evaluate(errors: bool) -> int:
    excerpts = excerpt_texts()
    span, full, linked = Score(), Score(), LinkScores()
    documents = 0
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        file_span, file_full = Score(), Score()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            _, text = gold_source_text(entry["source"], excerpts)
            gold = entry["figures"]
            for g in gold:
                if text[g["start"]:g["end"]] != g["text"]:
                    print(f"gold drift in {entry['source']}: {g['text']!r} at {g['start']}", file=sys.stderr)
                    return 2
            predicted = figures_from_doc(get_nlp()(text))
            documents += 1
            _score(entry["source"], text, gold, predicted, span, full)
            _score(entry["source"], text, gold, predicted, file_span, file_full)
            if has_links(gold):
                score_links(f"{entry['source']}: ", gold, predicted, linked)
        p, r, f = file_full.prf()
        print(f"{path.name:22s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   (span + value + unit; gold {file_full.gold})")
    print("all files:")
    for name, score in (("exact span", span), ("span + value + unit", full)):
        p, r, f = score.prf()
        print(f"{name:22s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   "
              f"(tp {score.true_positive}, predicted {score.predicted}, gold {score.gold}, {documents} documents)")
    print_links(linked)
    if errors:
        print("\nmissed (gold not found with span + value + unit):")
        print("\n".join(f"  {m}" for m in full.misses) or "  none")
        print("\nfalse (predicted, not in gold with span + value + unit):")
        print("\n".join(f"  {m}" for m in full.false) or "  none")
        print_link_errors(linked)
    return 0


def _score(source: str, text: str, gold: list[dict], predicted: list, span: Score, full: Score) -> None:
    by_span = {(f.start, f.end): f for f in predicted}
    gold_spans = {(g["start"], g["end"]): g for g in gold}
    for score in (span, full):
        score.gold += len(gold)
        score.predicted += len(predicted)
    for key, g in gold_spans.items():
        f = by_span.get(key)
        if f is not None:
            span.true_positive += 1
            if same_value(f.value, g["value"]) and f.unit == g["unit"]:
                full.true_positive += 1
                continue
        got = f"(got {f.value} {f.unit!r})" if f is not None else ""
        full.misses.append(f"{source}: {context(text, *key)} {g['value']} {g['unit']!r} {got}")
    for key, f in by_span.items():
        g = gold_spans.get(key)
        if g is None or not (same_value(f.value, g["value"]) and f.unit == g["unit"]):
            full.false.append(f"{source}: {context(text, *key)} {f.value} {f.unit!r}")



def has_links(gold: list[dict]) -> bool:
    return all(name in g for g in gold for name in LINK_FIELDS)


def match_figures(gold: list[dict], predicted: list[Figure]) -> dict[int, Figure]:
    """Gold index → the predicted figure with the same span, value and unit."""
    by_span = {(f.start, f.end): f for f in predicted}
    matched = {}
    for i, g in enumerate(gold):
        f = by_span.get((g["start"], g["end"]))
        if f is not None and same_value(f.value, g["value"]) and f.unit == g["unit"]:
            matched[i] = f
    return matched


def score_links(label: str, gold: list[dict], predicted: list[Figure], scores: LinkScores) -> None:
    """Add one document: `label` prefixes its error lines."""
    matched = match_figures(gold, predicted)
    scores.documents += 1
    scores.figures += len(matched)
    score_subjects(label, gold, matched, scores.subject)
    for name in LINKS:
        score_link(label, name, gold, matched, scores.links[name])


def _compact(subject: str | None) -> str | None:
    return None if subject is None else "".join(subject.split())


def score_subjects(label: str, gold: list[dict], matched: dict[int, Figure], score: SubjectScore) -> None:
    for i, f in matched.items():
        want, got = _compact(gold[i]["subject"]), _compact(f.subject)
        score.total += 1
        score.gold_none += want is None
        if want == got:
            score.exact += 1
            score.lenient += 1
            continue
        if want and got and (want in got or got in want):
            score.lenient += 1
        score.mismatches.append(f"{label}#{i} {gold[i]['text']}: gold {want!r}, got {got!r}")


def link_pairs(gold: list[dict], name: str, matched: dict[int, Figure]) -> tuple[set, set]:
    """(gold pairs, predicted pairs) of link `name` as (figure, target) gold indexes, both ends matched figures."""
    index_of = {f.id: i for i, f in matched.items()}
    wanted = {(i, g[name]) for i, g in enumerate(gold) if g[name] is not None and i in matched and g[name] in matched}
    got = {(i, index_of[getattr(f, name)]) for i, f in matched.items() if getattr(f, name) in index_of}
    return wanted, got


def score_link(label: str, name: str, gold: list[dict], matched: dict[int, Figure], score: Score) -> None:
    wanted, got = link_pairs(gold, name, matched)
    score.gold += len(wanted)
    score.predicted += len(got)
    score.true_positive += len(wanted & got)
    score.misses += [f"{label}{_pair_text(gold, pair)}" for pair in sorted(wanted - got)]
    score.false += [f"{label}{_pair_text(gold, pair)}" for pair in sorted(got - wanted)]


def _pair_text(gold: list[dict], pair: tuple[int, int]) -> str:
    figure, target = pair
    return f"#{figure} {gold[figure]['text']} → #{target} {gold[target]['text']}"


def print_links(scores: LinkScores) -> None:
    subject = scores.subject
    exact = subject.exact / subject.total if subject.total else 0.0
    lenient = subject.lenient / subject.total if subject.total else 0.0
    print(f"subjects and links of the figures matched on span + value + unit "
          f"({scores.documents} documents with subject/part_of/refers_to gold, {scores.figures} matched figures):")
    print(f"{'subject':22s} exact {exact:.3f}  lenient {lenient:.3f}   "
          f"(exact {subject.exact}, lenient {subject.lenient}, of {subject.total}; gold null for {subject.gold_none})")
    for name, score in scores.links.items():
        p, r, f = score.prf()
        print(f"{name:22s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   "
              f"(tp {score.true_positive}, predicted {score.predicted}, gold {score.gold} pairs)")


def print_link_errors(scores: LinkScores) -> None:
    print("\nsubject mismatches (gold, got):")
    print("\n".join(f"  {m}" for m in scores.subject.mismatches) or "  none")
    for name, score in scores.links.items():
        print(f"\n{name} missed (gold link not predicted):")
        print("\n".join(f"  {m}" for m in score.misses) or "  none")
        print(f"\n{name} false (predicted link not in gold):")
        print("\n".join(f"  {m}" for m in score.false) or "  none")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and every false figure, subject and link mismatch")
    sys.exit(evaluate(parser.parse_args().errors))
