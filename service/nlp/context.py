"""Where a figure sits: the words before it in its clause (its lead), the words after it (its tail), its tokens."""

from __future__ import annotations

from bisect import bisect_right
from typing import NamedTuple

from spacy.tokens import Doc, Span

from service.text import fold

CLAUSE_BOUNDARIES = frozenset("，,；;：:、（）()。！？!?\n")
STRONG_BOUNDARIES = frozenset("，,；;：:。！？!?\n")
"""Clause marks that end a predicate; 、 and brackets only separate list items and asides."""


class Sentence(NamedTuple):
    index: int
    start: int
    end: int
    start_char: int
    end_char: int


def text_of(doc: Doc) -> str:
    """doc.text, built once per doc (the property joins every token on each call)."""
    cached = doc.user_data.get("nianbao_text")
    if cached is None:
        cached = doc.user_data["nianbao_text"] = doc.text
    return cached


def sentences(doc: Doc) -> list[Sentence]:
    """The doc's sentences, computed once per doc (Span.sent walks the whole doc on every call)."""
    cached = doc.user_data.get("nianbao_sentences")
    if cached is None:
        starts = [t.i for t in doc if t.is_sent_start or t.i == 0]
        ends = starts[1:] + [len(doc)]
        cached = [Sentence(k, a, b, doc[a].idx, doc[b - 1].idx + len(doc[b - 1].text))
                  for k, (a, b) in enumerate(zip(starts, ends)) if b > a]
        doc.user_data["nianbao_sentences"] = cached
    return cached


def sentence_of(span: Span) -> Sentence:
    sents = sentences(span.doc)
    starts = span.doc.user_data.get("nianbao_sentence_starts")
    if starts is None:
        starts = span.doc.user_data["nianbao_sentence_starts"] = [s.start for s in sents]
    return sents[max(bisect_right(starts, span.start) - 1, 0)]


def previous_sentence_start(span: Span) -> int:
    """Token index where the sentence before the span's starts (its own, for the first sentence)."""
    sents = sentences(span.doc)
    return sents[max(sentence_of(span).index - 1, 0)].start


def lead_start(doc: Doc, span: Span, stop_at: int = 0, boundaries: frozenset[str] = CLAUSE_BOUNDARIES) -> int:
    """Start of the clause the figure is in, never before `stop_at` (e.g. the previous figure's end)."""
    text = text_of(doc)
    i = span.start_char
    floor = max(stop_at, sentence_of(span).start_char)
    while i > floor and text[i - 1] not in boundaries:
        i -= 1
    return i


def lead(doc: Doc, span: Span, stop_at: int = 0, boundaries: frozenset[str] = CLAUSE_BOUNDARIES) -> str:
    return fold(text_of(doc)[lead_start(doc, span, stop_at, boundaries):span.start_char])


def tail_end(doc: Doc, span: Span) -> int:
    text = text_of(doc)
    i = span.end_char
    limit = sentence_of(span).end_char
    while i < limit and text[i] not in CLAUSE_BOUNDARIES:
        i += 1
    return i


def tail(doc: Doc, span: Span) -> str:
    return fold(text_of(doc)[span.end_char:tail_end(doc, span)])


def tokens_within(doc: Doc, start: int, end: int) -> list:
    """The tokens lying wholly inside [start, end)."""
    span = doc.char_span(start, end, alignment_mode="contract") if end > start else None
    return list(span) if span is not None else []


def tokens_between(doc: Doc, start: int, end: int) -> list[str]:
    """Texts of the tokens lying inside [start, end) (spaces dropped)."""
    return [t.text for t in tokens_within(doc, start, end) if t.text.strip()]


def previous_end(figures: list[Span], i: int) -> int:
    return figures[i - 1].end_char if i > 0 else 0
