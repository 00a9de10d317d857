"""Training data: the project's corpora as text, labelled by the rules (silver), gold documents held out.

FIGURE spans are the rules' figure spans; SUBJECT spans are where each rule subject (a string, as written) stands in
the figure's sentence: the nearest occurrence before the figure, else the first after it (number before the noun,
format-spec E03). Gold annotations replace the silver ones for their documents when used for training.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from service.nlp.transformer.tags import LabeledSpan
from service.text import compact, fold

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[3]
CORPORA = ROOT / "corpora"
SKIPPED_FILES = {"MANIFEST.tsv", "README.md"}


@dataclass(frozen=True)
class CorpusText:
    doc_id: str
    text: str


def corpus_texts(root: Path = CORPORA, exclude_dirs: tuple[str, ...] = ("gold",)) -> list[CorpusText]:
    """Every document of the corpora (ingested by the project's own backends) and every excerpt of a .jsonl file."""
    from service.ingest import IngestError, ingest

    texts = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name in SKIPPED_FILES or any(part in exclude_dirs for part in path.relative_to(root).parts):
            continue
        if path.suffix == ".jsonl":
            texts.extend(_excerpts(path, root))
            continue
        try:
            texts.append(CorpusText(str(path.relative_to(root)), ingest(path.read_bytes(), path.name).text))
        except IngestError as error:
            log.warning("%s skipped: %s", path, error)
    return texts


def _excerpts(path: Path, root: Path) -> Iterator[CorpusText]:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line) if line.strip() else {}
        if isinstance(row.get("text"), str):
            yield CorpusText(f"{path.relative_to(root)}#{row.get('id', n)}", row["text"])


@cache
def _rules_nlp():
    """The rules' figures pipeline alone (no trained model in it), built once."""
    from service.nlp.pipeline import build_nlp

    return build_nlp()


def rule_spans(text: str) -> list[LabeledSpan]:
    """FIGURE and SUBJECT spans of the rules over a whole text."""
    from service.nlp.pipeline import FIGURES

    doc = _rules_nlp()(text)
    folded = fold(text)
    spans = []
    for figure in doc.spans[FIGURES]:
        spans.append(LabeledSpan(figure.start_char, figure.end_char, "FIGURE"))
        if figure._.subject:
            found = locate_subject(folded, figure._.subject, figure.start_char, figure.end_char,
                                   figure.sent.start_char, figure.sent.end_char)
            if found:
                spans.append(LabeledSpan(*found, "SUBJECT"))
    return spans


def locate_subject(folded: str, subject: str, start: int, end: int, sent_start: int,
                   sent_end: int) -> tuple[int, int] | None:
    before = folded.rfind(subject, sent_start, start)
    if before >= 0:
        return before, before + len(subject)
    after = folded.find(subject, end, sent_end)
    return (after, after + len(subject)) if after >= 0 else None


@dataclass
class LabelledText:
    doc_id: str
    text: str
    spans: list[LabeledSpan]
    gold: bool = False


def window_examples(doc: LabelledText, max_chars: int, held_out_keys: set[str] = frozenset()):
    """(window text, spans inside it, offsets relative to the window) for each window not held out."""
    from service.nlp.transformer.windows import windows

    for start, end in windows(doc.text, max_chars):
        piece = doc.text[start:end]
        if compact(piece) in held_out_keys:
            continue
        inside = [LabeledSpan(s.start - start, s.end - start, s.label) for s in doc.spans
                  if start <= s.start and s.end <= end]
        yield piece, inside


def window_keys(texts: Iterable[str], max_chars: int) -> set[str]:
    """Compacted windows of held-out texts: a training window equal to one of them is left out."""
    from service.nlp.transformer.windows import windows

    return {compact(t[a:b]) for t in texts for a, b in windows(t, max_chars)}


def with_corrections(silver: LabelledText, figure_spans: list[tuple[int, int]]) -> LabelledText:
    """A reviewed document: its FIGURE spans replace the rules'; rule subjects clear of them are kept."""
    figures = [LabeledSpan(a, b, "FIGURE") for a, b in figure_spans]
    subjects = [s for s in silver.spans if s.label == "SUBJECT"
                and not any(f.start < s.end and s.start < f.end for f in figures)]
    return LabelledText(silver.doc_id, silver.text, figures + subjects, gold=True)
