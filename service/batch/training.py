"""Training data and the training loop for the figure NER (driven by scripts/train_ner.py).

Silver spans are what the number grammar (the `figure_rules` component) finds in the narrative text of every corpus
document; gold corrections (reviewed spans, corpora/gold/reviewed/) replace the silver paragraphs they cover and
weigh more. Documents are cut into paragraphs (lines, long lines at sentence ends) so that an update sees many short
examples. Texts held out for evaluation never reach training. Everything random is seeded.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.training import Example
from spacy.util import filter_spans, minibatch

from service.batch.spans import AnnotatedDoc
from service.nlp.ner_component import FIGURE_LABEL, blank_zh

MAX_PARAGRAPH = 400
_SENTENCE_END = re.compile(r"(?<=[。；！？])")
NER_CONFIG = {
    "model": {
        "@architectures": "spacy.TransitionBasedParser.v2", "state_type": "ner", "extra_state_tokens": False,
        "hidden_width": 64, "maxout_pieces": 2, "use_upper": True, "nO": None,
        "tok2vec": {
            "@architectures": "spacy.HashEmbedCNN.v2", "pretrained_vectors": None, "width": 96, "depth": 4,
            "embed_size": 2000, "window_size": 1, "maxout_pieces": 3, "subword_features": True,
        },
    },
}


@dataclass(frozen=True)
class Passage:
    """A training or evaluation text with its figure spans (character offsets, end exclusive)."""

    doc_id: str
    text: str
    spans: tuple[tuple[int, int], ...]
    origin: str  # "silver" or "gold"


@dataclass
class TrainingReport:
    started: str
    seconds: float = 0.0
    seed: int = 0
    epochs: int = 0
    best_epoch: int = 0
    data: dict = field(default_factory=dict)
    dev: dict = field(default_factory=dict)
    history: list[dict] = field(default_factory=list)


def silver_passage(doc_id: str, text: str) -> Passage:
    from service.nlp.numbers import find_numbers

    return Passage(doc_id, text, tuple((m.start, m.end) for m in find_numbers(text)), "silver")


def gold_passage(doc: AnnotatedDoc) -> Passage:
    return Passage(doc.doc_id, doc.text, tuple(sorted((s.start, s.end) for s in doc.spans)), "gold")


def _cuts(text: str) -> list[tuple[int, int]]:
    """Paragraph ranges: lines, and long lines cut after sentence ends."""
    ranges, pos = [], 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if end - start <= MAX_PARAGRAPH:
            ranges.append((start, end))
            continue
        chunk_start = start
        for piece in _SENTENCE_END.split(line):
            piece_end = chunk_start + len(piece)
            ranges.append((chunk_start, piece_end))
            chunk_start = piece_end
    return [(a, b) for a, b in ranges if text[a:b].strip()]


def paragraphs(passage: Passage) -> list[Passage]:
    out = []
    for a, b in _cuts(passage.text):
        spans = tuple((s - a, e - a) for s, e in passage.spans if a <= s and e <= b)
        out.append(Passage(passage.doc_id, passage.text[a:b], spans, passage.origin))
    return out


def _dev_bucket(text: str, fraction: float) -> bool:
    digest = int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)
    return digest / 0xFFFFFFFF < fraction


def assemble(
    silver: list[Passage], gold: list[Passage], holdout_texts: list[str], dev_fraction: float = 0.15,
    gold_weight: int = 3, holdout_ids: frozenset[str] = frozenset(),
) -> tuple[list[Passage], list[Passage], dict]:
    """Paragraph-level train and dev sets; gold paragraphs replace equal silver ones; held-out documents (by id) and
    paragraphs that are part of a held-out text are left out."""
    gold_paras = [p for g in gold for p in paragraphs(g)]
    gold_texts = {p.text for p in gold_paras}
    held = [t for t in holdout_texts if t]
    train, dev, dropped = [], [], 0
    seen: set[str] = set()
    for para in (p for s in silver if s.doc_id not in holdout_ids for p in paragraphs(s)):
        if para.text in gold_texts or para.text in seen or any(para.text in t for t in held):
            dropped += 1
            continue
        seen.add(para.text)
        (dev if _dev_bucket(para.text, dev_fraction) else train).append(para)
    gold_paras = [p for p in gold_paras if p.doc_id not in holdout_ids and not any(p.text in t for t in held)]
    train += gold_paras * gold_weight
    stats = {
        "silver_documents": len(silver), "gold_documents": len(gold),
        "held_out_documents": sum(s.doc_id in holdout_ids for s in silver),
        "train_paragraphs": len(train), "dev_paragraphs": len(dev), "gold_paragraphs": len(gold_paras),
        "gold_weight": gold_weight, "left_out_paragraphs": dropped,
        "train_spans": sum(len(p.spans) for p in train), "dev_spans": sum(len(p.spans) for p in dev),
    }
    return train, dev, stats


def _example(nlp: Language, passage: Passage) -> Example:
    doc = nlp.make_doc(passage.text)
    spans = [doc.char_span(s, e, label=FIGURE_LABEL, alignment_mode="expand") for s, e in passage.spans]
    ents = filter_spans([s for s in spans if s is not None])
    return Example.from_dict(doc, {"entities": [(s.start_char, s.end_char, FIGURE_LABEL) for s in ents]})


def span_scores(predicted: list[set], gold: list[set]) -> dict:
    tp = sum(len(p & g) for p, g in zip(predicted, gold))
    n_pred, n_gold = sum(map(len, predicted)), sum(map(len, gold))
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4), "tp": tp, "pred": n_pred,
            "gold": n_gold}


def score_passages(nlp: Language, passages: list[Passage]) -> dict:
    predicted = [{(e.start_char, e.end_char) for e in doc.ents} for doc in nlp.pipe(p.text for p in passages)]
    return span_scores(predicted, [set(p.spans) for p in passages])


def train(train_set: list[Passage], dev_set: list[Passage], epochs: int = 10, seed: int = 0,
          batch_size: int = 32, dropout: float = 0.2, log=print) -> tuple[Language, TrainingReport]:
    """Train from scratch; keep the weights of the epoch with the best dev F1 (the last epoch when no dev set)."""
    spacy.util.fix_random_seed(seed)
    rng = random.Random(seed)
    report = TrainingReport(started=datetime.now(timezone.utc).isoformat(timespec="seconds"), seed=seed,
                            epochs=epochs)
    began = time.perf_counter()
    nlp = blank_zh()
    ner = nlp.add_pipe("ner", config=NER_CONFIG)
    ner.add_label(FIGURE_LABEL)
    examples = [_example(nlp, p) for p in train_set]
    optimizer = nlp.initialize(lambda: examples)
    best, best_bytes = -1.0, None
    for epoch in range(1, epochs + 1):
        rng.shuffle(examples)
        losses: dict = {}
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=dropout, losses=losses)
        dev = score_passages(nlp, dev_set) if dev_set else {"f1": 0.0}
        report.history.append({"epoch": epoch, "loss": round(float(losses.get("ner", 0.0)), 2), **dev})
        log(f"epoch {epoch:2d}  loss {losses.get('ner', 0.0):9.2f}  dev P {dev.get('p', 0):.3f} "
            f"R {dev.get('r', 0):.3f} F1 {dev['f1']:.3f}")
        if dev["f1"] >= best or not dev_set:
            best, best_bytes, report.best_epoch, report.dev = dev["f1"], nlp.to_bytes(), epoch, dev
    nlp.from_bytes(best_bytes)
    report.seconds = round(time.perf_counter() - began, 1)
    return nlp, report


def save(nlp: Language, out: Path, report: TrainingReport, card: str) -> Path:
    """Write the model folder: spaCy pipeline, meta with a fingerprint, and MODEL_CARD.md."""
    weights = nlp.get_pipe("ner").to_bytes()
    nlp.meta["name"] = "ner_figures"
    nlp.meta["version"] = "0.1.0"
    nlp.meta["nianbao"] = {"fingerprint": hashlib.sha256(weights).hexdigest()[:12], "trained": report.started,
                           "seed": report.seed, "data": report.data, "dev": report.dev}
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    (out / "MODEL_CARD.md").write_text(card, encoding="utf-8")
    (out / "training.json").write_text(json.dumps(report.__dict__, ensure_ascii=False, indent=1) + "\n",
                                       encoding="utf-8")
    return out
