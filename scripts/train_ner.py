"""Train the figure NER (spaCy `ner`, blank zh + the figures tokenizer) and write models/ner-figures/ with a model card.

    python scripts/train_ner.py                          # silver from the rules over corpora/real + narrative
    python scripts/train_ner.py --epochs 3 --corpus DIR --out DIR --no-eval     # small runs (tests)

Data: silver spans are what the number grammar finds in the narrative text of every document of the corpus paths;
reviewed gold (corpora/gold/reviewed/, from `nianbao gold import`) replaces the silver paragraphs it covers and
counts `--gold-weight` times. The figure gold used for evaluation (corpora/gold/figures/) is held out: no training
paragraph is part of one of its texts. A seeded 15 % of the silver paragraphs is the dev set (agreement with the
rules, used to pick the epoch). Seeded, CPU only, nothing downloaded.
"""

from __future__ import annotations

import argparse
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from service.batch.evaluation import GOLD, figure_gold  # noqa: E402
from service.batch.gold import REVIEWED_DIR, reviewed_gold  # noqa: E402
from service.batch.run import discover  # noqa: E402
from service.batch.training import (  # noqa: E402
    NER_CONFIG,
    Passage,
    TrainingReport,
    assemble,
    gold_passage,
    save,
    silver_passage,
    train,
)
from service.ingest import IngestError, ingest  # noqa: E402
from service.nlp.ner_component import MODEL_DIR  # noqa: E402

DEFAULT_CORPUS = [ROOT / "corpora" / "real", ROOT / "corpora" / "narrative"]
FIGURE_GOLD = GOLD / "figures"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", type=Path, nargs="+", default=DEFAULT_CORPUS, help="files, folders or .jsonl of texts")
    p.add_argument("--gold", type=Path, default=REVIEWED_DIR, help="reviewed gold folder (gold corrections)")
    p.add_argument("--figure-gold", type=Path, default=FIGURE_GOLD, help="evaluation gold: held out of training")
    p.add_argument("--out", type=Path, default=MODEL_DIR)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gold-weight", type=int, default=3)
    p.add_argument("--dev-fraction", type=float, default=0.15)
    p.add_argument("--no-eval", action="store_true", help="skip the gold evaluation written into the model card")
    return p.parse_args(argv)


def _rel(path: Path) -> str:
    """A path as the model card shows it: relative to the repository when inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def corpus_passages(paths: list[Path]) -> list[Passage]:
    passages = []
    for item in discover(paths):
        try:
            text = ingest(item.read(), item.source_name).text
        except IngestError as error:
            print(f"skipped {item.origin}: {error}", file=sys.stderr)
            continue
        passages.append(silver_passage(item.doc_id_hint, text))
    return passages


def model_card(args: argparse.Namespace, report: TrainingReport, evaluation: list[dict] | None, size: int) -> str:
    data = report.data
    sources = ", ".join(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in args.corpus)
    lines = [
        "# ner-figures: figure spans in 政府信息公开工作年度报告 narratives",
        "",
        f"- trained: {report.started} in {report.seconds:.0f} s on {platform.machine()} CPU, spaCy {spacy.__version__},"
        f" seed {report.seed}, {report.epochs} epochs (kept epoch {report.best_epoch} by dev F1)",
        f"- size: {size / 1e6:.1f} MB; label `FIGURE`; tokenizer: the figures pipeline's (jieba + user dictionary,"
        " cut at number-grammar boundaries)",
        f"- architecture: spaCy TransitionBasedParser (ner) over HashEmbedCNN (width "
        f"{NER_CONFIG['model']['tok2vec']['width']}, depth {NER_CONFIG['model']['tok2vec']['depth']}, embed "
        f"{NER_CONFIG['model']['tok2vec']['embed_size']}), no pretrained vectors",
        "",
        "## Data",
        f"- silver: spans of the number grammar over {data['silver_documents']} documents ({sources}); "
        f"{data['train_paragraphs']} training paragraphs with {data['train_spans']} spans",
        f"- gold corrections: {data['gold_documents']} reviewed documents from {_rel(args.gold)} "
        f"({data['gold_paragraphs']} paragraphs, weight {data['gold_weight']})",
        f"- held out: the {data['held_out_documents']} documents of the figure gold ({_rel(args.figure_gold)}), and "
        f"paragraphs inside its texts or repeated ({data['left_out_paragraphs']} paragraphs)",
        f"- dev: {data['dev_paragraphs']} silver paragraphs ({data['dev_spans']} spans), seeded hash split",
        "",
        "## Scores",
        f"- dev (agreement with the rules, exact span): P {report.dev.get('p', 0):.3f} R {report.dev.get('r', 0):.3f}"
        f" F1 {report.dev.get('f1', 0):.3f}",
    ]
    if evaluation:
        lines.append("- gold (python scripts/evaluate.py):")
        lines.append("")
        for row in evaluation:
            ex, vu = row["figures"]["exact"], row["figures"]["value_unit"]
            lines.append(f"  - {row['config']}: figure span P/R/F1 {ex['p']:.3f}/{ex['r']:.3f}/{ex['f1']:.3f}, "
                         f"span+value+unit {vu['p']:.3f}/{vu['r']:.3f}/{vu['f1']:.3f}, table cells "
                         f"{row['tables']['accuracy']:.3f}, findings P/R {row['findings']['p']:.3f}/"
                         f"{row['findings']['r']:.3f}")
    lines += [
        "",
        "## Use",
        "Figure extractor `spacy` (`nianbao extract --extractor spacy`, `nianbao annotate --extractor spacy`):",
        "`service.nlp.ner_component.add_trained_ner(nlp)` sources it into the figures pipeline after `figure_rules`;",
        "`figure_merge` takes its spans first and keeps the rule spans it does not overlap; values, units and kinds",
        "always come from the number grammar.",
        "",
        "Limits: it learned from the rules (silver) plus whatever gold was reviewed; it cannot read a value, only",
        "place a span, and a span the grammar cannot read is dropped by `figure_merge`.",
        f"Reproduce: python scripts/train_ner.py --seed {report.seed} --epochs {report.epochs}",
        "",
    ]
    return "\n".join(lines)


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    silver = corpus_passages(args.corpus)
    gold = [gold_passage(doc) for doc in reviewed_gold(args.gold)]
    held_out = figure_gold(args.figure_gold)
    train_set, dev_set, stats = assemble(silver, gold, [g.text for g in held_out], args.dev_fraction,
                                         args.gold_weight, frozenset(g.doc_id for g in held_out))
    print(f"data: {stats}")
    if not train_set:
        print("train_ner: no training paragraphs (every document is held out or unreadable)", file=sys.stderr)
        return 2
    nlp, report = train(train_set, dev_set, epochs=args.epochs, seed=args.seed)
    report.data = stats
    save(nlp, args.out, report, card="")
    evaluation = None
    if not args.no_eval and args.out.resolve() == MODEL_DIR.resolve():
        from scripts.evaluate import tables_rule
        from service.batch.evaluation import evaluate

        evaluation = [evaluate(extractor, tables_rule()) for extractor in ("rules", "spacy")]
    card = model_card(args, report, evaluation, folder_size(args.out))
    (args.out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    print(card)
    print(f"written {args.out} at {datetime.now(timezone.utc).isoformat(timespec='seconds')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
