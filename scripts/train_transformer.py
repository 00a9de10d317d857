"""Train the transformer figure/subject tagger (service/nlp/transformer) and write models/transformer-figures/.

    python scripts/train_transformer.py                       # from scratch: silver from the rules over corpora/
    python scripts/train_transformer.py --init PATH           # fine-tune a checkpoint folder already on disk
    python scripts/train_transformer.py --corpora DIR --out DIR --epochs 3 --time-budget 30   # small runs (tests)

Data: every document and excerpt under the corpora folder, labelled by the rules (FIGURE spans and the place of
their subjects); reviewed gold documents (corpora/gold/reviewed, imported by `nianbao gold import`) replace the
rules' figure spans with the reviewed ones. Every text of the gold evaluation set (any other .jsonl under
corpora/gold/: a "text", or a "source" excerpt:<id> / corpus:<file>) is held out: no training window equals one
of its windows. A tenth of the documents (seeded) is kept aside to report agreement with the rules. Seeded, CPU
only, nothing downloaded.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from service.nlp.transformer.silver import (  # noqa: E402
    CORPORA,
    LabelledText,
    corpus_texts,
    rule_spans,
    window_examples,
    window_keys,
    with_corrections,
)

DEFAULT_OUT = ROOT / "models" / "transformer-figures"
GOLD = CORPORA / "gold"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpora", type=Path, default=CORPORA, help="folder of training documents (gold/ is skipped)")
    p.add_argument("--gold", type=Path, default=GOLD, help="gold folder: its texts are held out of training")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--init", type=Path, default=None, help="checkpoint folder to fine-tune instead of a new model")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--time-budget", type=float, default=280.0, help="seconds; training stops after the epoch past it")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=None, help="default 2e-3 from scratch, 2e-4 with --init")
    p.add_argument("--hidden", type=int, default=160)
    p.add_argument("--layers", type=int, default=3)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--intermediate", type=int, default=512)
    p.add_argument("--max-chars", type=int, default=126)
    p.add_argument("--dev-share", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (1: small batches gain nothing from more)")
    return p.parse_args(argv)


def gold_rows(root: Path) -> list[tuple[str, list[dict]]]:
    """(text, figure spans) of every evaluation gold row (reviewed/ is training data, not evaluation)."""
    rows = []
    for path in sorted(root.rglob("*.jsonl")) if root.is_dir() else []:
        if "reviewed" in path.relative_to(root).parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            text = row.get("text") if isinstance(row.get("text"), str) else source_text(row.get("source"))
            if text:
                rows.append((text, row.get("figures", row.get("spans", []))))
    return rows


def gold_texts(root: Path) -> list[str]:
    """Texts of the evaluation gold: its own "text", or the one its "source" names (excerpt:<id>, corpus:<file>)."""
    return [text for text, _ in gold_rows(root)]


def gold_scores(model_dir: Path, rows: list[tuple[str, list[dict]]]) -> dict:
    """The model alone (no rules backstop) on the gold figures: exact-span P/R/F1 and documents per second."""
    from service.nlp.transformer.extractor import TransformerExtractor

    extractor = TransformerExtractor(model_dir)
    began = time.monotonic()
    tp = predicted = expected = 0
    for text, figures in rows:
        found = {(f.start, f.end) for f in extractor.extract(text)}
        wanted = {(int(f["start"]), int(f["end"])) for f in figures}
        tp, predicted, expected = tp + len(found & wanted), predicted + len(found), expected + len(wanted)
    seconds = time.monotonic() - began
    p, r = tp / max(1, predicted), tp / max(1, expected)
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / max(1e-9, p + r), 4),
            "documents": len(rows), "spans": expected, "docs_per_s": round(len(rows) / max(seconds, 1e-9), 1)}


def source_text(source: str | None) -> str | None:
    from service.ingest import ingest

    kind, _, name = (source or "").partition(":")
    if kind == "excerpt":
        return _excerpts().get(name)
    path = CORPORA / "real" / name
    return ingest(path.read_bytes(), name).text if kind == "corpus" and path.is_file() else None


@cache
def _excerpts() -> dict[str, str]:
    rows = (json.loads(line) for line in (CORPORA / "narrative" / "excerpts.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip())
    return {str(row.get("id")): row.get("text", "") for row in rows}


def reviewed_corrections(root: Path) -> dict[str, list[tuple[int, int]]]:
    """text sha256 → reviewed figure spans, from corpora/gold/reviewed (batch's gold import)."""
    from service.batch.gold import REVIEWED_DIR, reviewed_gold

    reviewed = root / REVIEWED_DIR.name
    return {doc.text_sha256: [(s.start, s.end) for s in doc.spans] for doc in reviewed_gold(reviewed)}


def labelled_corpus(args: argparse.Namespace) -> tuple[list[LabelledText], int]:
    from service.batch.spans import text_sha256

    corrections = reviewed_corrections(args.gold) if args.gold.is_dir() else {}
    docs, corrected = [], 0
    for item in corpus_texts(args.corpora):
        doc = LabelledText(item.doc_id, item.text, rule_spans(item.text))
        if text_sha256(item.text) in corrections:
            doc, corrected = with_corrections(doc, corrections[text_sha256(item.text)]), corrected + 1
        docs.append(doc)
    return docs, corrected


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from service.nlp.transformer.model import Architecture, Tagger
    from service.nlp.transformer.train import Example, TrainSettings, span_scores, train

    if args.threads:
        torch.set_num_threads(args.threads)
    gold = gold_rows(args.gold)
    held_out_texts = [text for text, _ in gold]
    held_out = window_keys(held_out_texts, args.max_chars)
    docs, corrected = labelled_corpus(args)
    rng = random.Random(args.seed)
    order = sorted(docs, key=lambda d: d.doc_id)
    rng.shuffle(order)
    n_dev = int(len(order) * args.dev_share) if len(order) > 4 else 0
    dev_docs, train_docs = order[:n_dev], order[n_dev:]
    train_examples = [Example(t, s) for d in train_docs for t, s in window_examples(d, args.max_chars, held_out)]
    dev_examples = [Example(t, s) for d in dev_docs for t, s in window_examples(d, args.max_chars, held_out)]
    arch = Architecture(args.hidden, args.layers, args.heads, args.intermediate, args.max_chars)
    settings = TrainSettings(seed=args.seed, epochs=args.epochs, batch_size=args.batch_size,
                             learning_rate=args.learning_rate or (2e-4 if args.init else 2e-3),
                             time_budget_s=args.time_budget, architecture=arch)
    used = {d.doc_id for d in train_docs if any(True for _ in window_examples(d, args.max_chars, held_out))}
    train_docs = [d for d in train_docs if d.doc_id in used]
    print(f"training on {len(train_examples)} windows from {len(train_docs)} documents "
          f"({corrected} with reviewed spans); {len(dev_examples)} dev windows; "
          f"{len(held_out_texts)} gold texts held out", flush=True)
    report = train(train_examples, args.out, settings, vocabulary_texts=[d.text for d in docs], init=args.init,
                   progress=lambda line: print(line, flush=True),
                   extra_settings={"trained": datetime.now(UTC).isoformat(timespec="seconds")})
    dev_scores = {}
    if dev_examples:
        tagger = Tagger(args.out)
        began = time.monotonic()
        dev_scores = span_scores([e.spans for e in dev_examples], tagger.tag([e.text for e in dev_examples]))
        dev_scores["seconds"] = round(time.monotonic() - began, 2)
    scores_on_gold = gold_scores(args.out, gold) if any(figures for _, figures in gold) else {}
    write_card(args, report, dev_scores, scores_on_gold, train_docs, dev_docs, corrected)
    print(json.dumps({"report": report.__dict__, "dev_agreement_with_rules": dev_scores, "gold": scores_on_gold},
                     ensure_ascii=False, indent=2))
    return 0


def write_card(args, report, dev_scores, gold: dict, train_docs, dev_docs, corrected: int) -> None:
    from service.nlp.transformer.tags import TAGS

    size = sum(p.stat().st_size for p in args.out.iterdir() if p.is_file())
    scores = "\n".join(f"| {label} | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |"
                       for label, s in sorted(dev_scores.items()) if isinstance(s, dict)) or "| — | | | |"
    card = f"""# transformer-figures

A character-level BIO token classifier (`BertForTokenClassification`, trained from scratch on CPU by
`scripts/train_transformer.py`; nothing downloaded) that tags narrative figures (`FIGURE`) and what they count
(`SUBJECT`) in 政府信息公开工作年度报告. Used by `nianbao extract --extractor transformer|ensemble`.

- Trained: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; seed {args.seed}; {report.epochs_run} epochs in
  {report.seconds} s; initialised from {'`' + str(args.init) + '`' if args.init else 'scratch'}.
- Architecture: {report.architecture}; {report.parameters:,} parameters; {size / 1e6:.1f} MB on disk.
- Tags: {', '.join(TAGS)}. Vocabulary: `vocab.txt`, the characters of the training corpora plus specials.
- Data: {len(train_docs)} training documents/excerpts from `{_rel(args.corpora)}` ({report.train_windows} windows with a
  number), silver labels from the rules (service/nlp: number grammar and subjects); {corrected} documents with
  reviewed gold spans; {gold.get('documents', 0)} gold texts under `{_rel(args.gold)}` held out of training.
- Final training loss: {report.final_loss}.

## Agreement with the rules on {len(dev_docs)} held-out corpus documents (exact spans)

| label | precision | recall | F1 |
|---|---|---|---|
{scores}

This measures how well the model reproduces its silver teacher, not correctness.

## The model alone on the gold figures (held out of training; exact spans, no rules backstop)

{_gold_line(gold)}

Side by side with the rules, the spaCy model and the ensemble (each with the rules as backstop):
`python scripts/evaluate.py --extractors rules spacy transformer ensemble`.
"""
    (args.out / "README.md").write_text(card, encoding="utf-8")


def _gold_line(gold: dict) -> str:
    if not gold:
        return "No gold figures were found."
    return (f"precision {gold['precision']:.3f}, recall {gold['recall']:.3f}, F1 {gold['f1']:.3f} on "
            f"{gold['spans']} figures of {gold['documents']} texts; {gold['docs_per_s']} texts/s on this machine.")


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
