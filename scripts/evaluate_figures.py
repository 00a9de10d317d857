"""Figure extraction against the hand-made gold set: precision, recall and F1 (exact span; span + value + unit).

    python scripts/evaluate_figures.py            # totals
    python scripts/evaluate_figures.py --errors   # also every miss and every false figure, with context

Gold: corpora/gold/figures/*.jsonl, one document per line: {"source": "excerpt:<id>" | "corpus:<file>",
"figures": [{"start", "end", "text", "value", "unit", "kind", "approximate"}]}. Excerpt offsets point into the
excerpt's text (corpora/narrative/excerpts.jsonl); corpus offsets into the text `service.ingest.ingest` makes of
corpora/real/<file>. See corpora/gold/figures/README.md for what counts as a figure.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import ingest  # noqa: E402
from service.nlp.pipeline import get_nlp  # noqa: E402
from service.nlp.stage import figures_from_doc  # noqa: E402

GOLD_DIR = ROOT / "corpora" / "gold" / "figures"
EXCERPTS = ROOT / "corpora" / "narrative" / "excerpts.jsonl"
REAL = ROOT / "corpora" / "real"


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


def source_text(source: str, excerpts: dict[str, str]) -> str:
    kind, _, name = source.partition(":")
    if kind == "excerpt":
        return excerpts[name]
    return ingest((REAL / name).read_bytes(), name).text


def context(text: str, start: int, end: int) -> str:
    return (text[max(0, start - 12):start] + "[" + text[start:end] + "]" + text[end:end + 8]).replace("\n", "⏎")


def same_value(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6 * max(1.0, abs(a))


def evaluate(errors: bool) -> int:
    excerpts = {json.loads(line)["id"]: json.loads(line)["text"]
                for line in EXCERPTS.read_text(encoding="utf-8").splitlines() if line.strip()}
    span, full = Score(), Score()
    documents = 0
    for path in sorted(GOLD_DIR.glob("*.jsonl")):
        file_span, file_full = Score(), Score()
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            text = source_text(entry["source"], excerpts)
            gold = entry["figures"]
            for g in gold:
                if text[g["start"]:g["end"]] != g["text"]:
                    print(f"gold drift in {entry['source']}: {g['text']!r} at {g['start']}", file=sys.stderr)
                    return 2
            predicted = figures_from_doc(get_nlp()(text))
            documents += 1
            _score(entry["source"], text, gold, predicted, span, full)
            _score(entry["source"], text, gold, predicted, file_span, file_full)
        p, r, f = file_full.prf()
        print(f"{path.name:22s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   (span + value + unit; gold {file_full.gold})")
    print("all files:")
    for name, score in (("exact span", span), ("span + value + unit", full)):
        p, r, f = score.prf()
        print(f"{name:22s} P {p:.3f}  R {r:.3f}  F1 {f:.3f}   "
              f"(tp {score.true_positive}, predicted {score.predicted}, gold {score.gold}, {documents} documents)")
    if errors:
        print("\nmissed (gold not found with span + value + unit):")
        print("\n".join(f"  {m}" for m in full.misses) or "  none")
        print("\nfalse (predicted, not in gold with span + value + unit):")
        print("\n".join(f"  {m}" for m in full.false) or "  none")
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


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every miss and every false figure")
    sys.exit(evaluate(parser.parse_args().errors))
