"""Scores of the whole pipeline against corpora/gold/, per figure extractor (rules alone; rules + the trained NER).

* figures: span precision / recall / F1 over the figures helper's hand-made gold (corpora/gold/figures/*.jsonl),
  counted twice: exact span, and exact span with the same value and unit;
* tables: cell accuracy against corpora/gold/tables/ (the tables helper's gold and scoring rule);
* findings: precision / recall of (document, rule) pairs against corpora/gold/findings/ (see real.json there).

Reviewed gold (corpora/gold/reviewed/) trains the model, so it is not scored here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.batch.training import span_scores

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "corpora" / "gold"
SOURCE_DIRS = (ROOT / "corpora" / "real", ROOT / "corpora" / "seed")
EXCERPTS = ROOT / "corpora" / "narrative" / "excerpts.jsonl"
SCORED_RULE_PREFIXES = ("R", "X", "H")
SCORED_SEVERITIES = ("error", "warning")
CONFIG_NAMES = {"rules": "rules", "spacy": "rules + model (spaCy NER)", "transformer": "rules + model (transformer)",
                "ensemble": "ensemble (2 of rules / spaCy / transformer)"}
WARM_UP_TEXT = "本年度共收到政府信息公开申请12件，其中予以公开8件。"


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


def _gold_figure(span: dict) -> GoldFigure:
    value = span.get("value")
    return GoldFigure(int(span["start"]), int(span["end"]), float(value) if value is not None else None,
                      span.get("unit"))


def excerpt_texts() -> dict[str, str]:
    lines = EXCERPTS.read_text(encoding="utf-8").splitlines() if EXCERPTS.is_file() else []
    return {row["id"]: row["text"] for row in map(json.loads, filter(str.strip, lines))}


def gold_source_text(source: str, excerpts: dict[str, str]) -> tuple[str, str]:
    """(doc id, text) of a figure gold entry: `excerpt:<id>` is the excerpt's own text; `corpus:<file>` the text
    `service.ingest.ingest` makes of corpora/real/<file> (the figures helper's convention)."""
    from service.ingest import ingest

    kind, _, name = source.partition(":")
    if kind == "excerpt":
        return name, excerpts[name]
    return Path(name).stem, ingest(_source(name).read_bytes(), name).text


def figure_gold(folder: Path = GOLD / "figures") -> list[GoldText]:
    """The hand-made figure gold: JSON Lines of {"source", "figures": [{start, end, text, value, unit, …}]}."""
    excerpts = excerpt_texts()
    texts = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for raw in filter(str.strip, path.read_text(encoding="utf-8").splitlines()):
            row = json.loads(raw)
            doc_id, text = gold_source_text(row["source"], excerpts)
            figures = [_gold_figure(f) for f in row["figures"]]
            for f, span in zip(figures, row["figures"]):
                if text[f.start:f.end] != span["text"]:
                    raise ValueError(f"{row['source']}: gold {span['text']!r} at {f.start} no longer matches the text")
            texts.append(GoldText(doc_id, text, figures))
    return texts


def _number(value) -> float | None:
    return None if value is None else round(float(value), 6)


def score_figures(nlp, gold: list[GoldText]) -> dict:
    from service.nlp.pipeline import FIGURES

    exact_pred, exact_gold, full_pred, full_gold = [], [], [], []
    nlp(WARM_UP_TEXT)  # loads what the pipeline loads lazily (a model), so the rate below is the steady one
    began = time.perf_counter()
    docs = list(nlp.pipe(g.text for g in gold))
    seconds = time.perf_counter() - began
    for doc, item in zip(docs, gold):
        spans = list(doc.spans[FIGURES])
        exact_pred.append({(s.start_char, s.end_char) for s in spans})
        exact_gold.append({(f.start, f.end) for f in item.figures})
        full_pred.append({(s.start_char, s.end_char, _number(s._.value), s._.unit) for s in spans})
        full_gold.append({(f.start, f.end, _number(f.value), f.unit) for f in item.figures})
    return {"exact": span_scores(exact_pred, exact_gold), "value_unit": span_scores(full_pred, full_gold),
            "docs_per_s": round(len(gold) / seconds, 1) if seconds else None}


def _source(name: str) -> Path:
    for folder in SOURCE_DIRS:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def corpus_results(names: list[str], extractor: str) -> dict:
    from service.pipeline import analyze_bytes

    options = {"extractor": extractor}
    return {name: analyze_bytes(_source(name).read_bytes(), name, options=options) for name in names}


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


def evaluate(extractor: str, cell_matches: Callable) -> dict:
    """One row of the table: the pipeline with this figure extractor (service/nlp/extractors.py)."""
    from service.nlp.extractors import nlp_for

    gold_findings = findings_gold()
    names = sorted(set(table_gold_sources()) | set(gold_findings))
    gold_figures = figure_gold()
    figures = score_figures(nlp_for(extractor), gold_figures)
    results = corpus_results(names, extractor)
    return {
        "config": CONFIG_NAMES.get(extractor, extractor),
        "figures": figures,
        "tables": score_tables(results, cell_matches),
        "findings": score_findings(results, gold_findings),
        "gold": {"figure_texts": len(gold_figures), "figure_spans": sum(len(g.figures) for g in gold_figures),
                 "table_documents": len(table_gold_sources()), "finding_documents": len(gold_findings)},
    }
