"""Scores of the whole pipeline against corpora/gold/, for the rules alone and for rules + the trained NER.

* figures: span precision / recall / F1 over the hand-made figure gold (corpora/gold/figures/*.jsonl: a text and its
  figure spans), counted twice: exact span, and exact span with the same value and unit;
* tables: cell accuracy against corpora/gold/tables/ (the tables helper's gold and scoring rule);
* findings: precision / recall of (document, rule) pairs against corpora/gold/findings/ (see real.json there).

Reviewed gold (corpora/gold/reviewed/) trains the model, so it is not scored here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from service.batch.training import span_scores

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "corpora" / "gold"
SOURCE_DIRS = (ROOT / "corpora" / "real", ROOT / "corpora" / "seed")
SCORED_RULE_PREFIXES = ("R", "X", "H")
SCORED_SEVERITIES = ("error", "warning")
MODEL_PIPES = ("figure_ner",)


@dataclass(frozen=True)
class GoldFigure:
    start: int
    end: int
    value: float | None
    unit: str | None


@dataclass
class GoldText:
    doc_id: str
    text: str
    figures: list[GoldFigure] = field(default_factory=list)


def _span_fields(span: dict) -> GoldFigure:
    start = span.get("start", span.get("start_offset", span.get("char_start")))
    end = span.get("end", span.get("end_offset", span.get("char_end")))
    value = span.get("value")
    return GoldFigure(int(start), int(end), float(value) if value is not None else None, span.get("unit"))


def figure_gold(folder: Path = GOLD / "figures") -> list[GoldText]:
    """Every text with figure spans under the folder (JSON Lines; spans under `figures` or `spans`)."""
    texts = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not raw.strip():
                continue
            row = json.loads(raw)
            spans = row.get("figures", row.get("spans", []))
            doc_id = str(row.get("doc_id") or row.get("id") or f"{path.stem}:{number}")
            texts.append(GoldText(doc_id, row["text"], [_span_fields(s) for s in spans]))
    return texts


@contextmanager
def figure_pipeline(with_model: bool) -> Iterator:
    """The figures stage's own (cached) spaCy pipeline, with or without the trained NER."""
    from service.nlp.ner_component import add_trained_ner
    from service.nlp.pipeline import get_nlp

    nlp = get_nlp()
    add_trained_ner(nlp)
    models = [name for name in nlp.pipe_names if name in MODEL_PIPES]
    if with_model and not models:
        raise FileNotFoundError("no trained model in models/ner-figures; run scripts/train_ner.py")
    if with_model:
        yield nlp
    else:
        with nlp.select_pipes(disable=models):
            yield nlp


def score_figures(nlp, gold: list[GoldText]) -> dict:
    from service.nlp.pipeline import FIGURES

    exact_pred, exact_gold, full_pred, full_gold = [], [], [], []
    for doc, item in zip(nlp.pipe(g.text for g in gold), gold):
        spans = list(doc.spans[FIGURES])
        exact_pred.append({(s.start_char, s.end_char) for s in spans})
        exact_gold.append({(f.start, f.end) for f in item.figures})
        full_pred.append({(s.start_char, s.end_char, float(s._.value), s._.unit) for s in spans})
        full_gold.append({(f.start, f.end, f.value, f.unit) for f in item.figures})
    return {"exact": span_scores(exact_pred, exact_gold), "value_unit": span_scores(full_pred, full_gold)}


def _source(name: str) -> Path:
    for folder in SOURCE_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def corpus_results(names: list[str]) -> dict:
    from service.pipeline import analyze_bytes

    return {name: analyze_bytes(_source(name).read_bytes(), name) for name in names}


def score_tables(results: dict, cell_matches: Callable, folder: Path = GOLD / "tables") -> dict:
    """`cell_matches(gold_value, cell)` is the tables helper's rule (scripts/evaluate_tables.py), passed in."""
    right = total = 0
    for path in sorted(folder.glob("*.json")):
        gold = json.loads(path.read_text(encoding="utf-8"))
        result = results.get(gold["source"])
        if result is None:
            continue
        skip = set(gold.get("not_scored", []))
        for key, table in gold["tables"].items():
            extracted = result.tables.get(key)
            for row, cols in (table or {}).get("rows", {}).items():
                for col, value in cols.items():
                    if f"{key}.{row}.{col}" in skip:
                        continue
                    cell = extracted.rows.get(row, {}).get(col) if extracted else None
                    total += 1
                    right += cell_matches(value, cell)
    return {"right": right, "total": total, "accuracy": round(right / total, 4) if total else 0.0}


def findings_gold(folder: Path = GOLD / "findings") -> dict[str, dict]:
    documents: dict[str, dict] = {}
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        documents.update(json.loads(path.read_text(encoding="utf-8"))["documents"])
    return documents


def score_findings(results: dict, gold: dict[str, dict]) -> dict:
    tp = n_pred = n_gold = 0
    misses, extras = [], []
    for name, expected in gold.items():
        result = results[name]
        fired = {f.rule for f in result.findings
                 if f.rule.startswith(SCORED_RULE_PREFIXES) and f.severity in SCORED_SEVERITIES}
        want, ok = set(expected["expected"]), set(expected.get("acceptable", []))
        predicted = fired - ok
        tp += len(predicted & want)
        n_pred += len(predicted)
        n_gold += len(want)
        misses += [f"{name}:{rule}" for rule in sorted(want - predicted)]
        extras += [f"{name}:{rule}" for rule in sorted(predicted - want)]
    return {"p": round(tp / n_pred, 4) if n_pred else 1.0, "r": round(tp / n_gold, 4) if n_gold else 1.0,
            "tp": tp, "pred": n_pred, "gold": n_gold, "missed": misses, "false_positives": extras}


def table_gold_sources(folder: Path = GOLD / "tables") -> list[str]:
    return [json.loads(p.read_text(encoding="utf-8"))["source"] for p in sorted(folder.glob("*.json"))]


def evaluate(with_model: bool, cell_matches: Callable) -> dict:
    """One configuration's row of the table."""
    gold_findings = findings_gold()
    names = sorted(set(table_gold_sources()) | set(gold_findings))
    with figure_pipeline(with_model) as nlp:
        figures = score_figures(nlp, figure_gold())
        results = corpus_results(names)
    return {
        "config": "rules + model" if with_model else "rules",
        "figures": figures,
        "tables": score_tables(results, cell_matches),
        "findings": score_findings(results, gold_findings),
        "gold": {"figure_texts": len(figure_gold()), "figure_spans": sum(len(g.figures) for g in figure_gold()),
                 "table_documents": len(table_gold_sources()), "finding_documents": len(gold_findings)},
    }
