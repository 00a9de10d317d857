"""Where a figure sits: the words before it in its clause (its lead), the words after it (its tail), its tokens."""

from __future__ import annotations

from spacy.tokens import Doc, Span

from service.text import fold

CLAUSE_BOUNDARIES = frozenset("，,；;：:、（）()。！？!?\n")
STRONG_BOUNDARIES = frozenset("，,；;：:。！？!?\n")
"""Clause marks that end a predicate; 、 and brackets only separate list items and asides."""


def lead_start(doc: Doc, span: Span, stop_at: int = 0, boundaries: frozenset[str] = CLAUSE_BOUNDARIES) -> int:
    """Start of the clause the figure is in, never before `stop_at` (e.g. the previous figure's end)."""
    text = doc.text
    i = span.start_char
    floor = max(stop_at, span.sent.start_char)
    while i > floor and text[i - 1] not in boundaries:
        i -= 1
    return i


def lead(doc: Doc, span: Span, stop_at: int = 0, boundaries: frozenset[str] = CLAUSE_BOUNDARIES) -> str:
    return fold(doc.text[lead_start(doc, span, stop_at, boundaries):span.start_char])


def tail_end(doc: Doc, span: Span) -> int:
    text = doc.text
    i = span.end_char
    limit = span.sent.end_char
    while i < limit and text[i] not in CLAUSE_BOUNDARIES:
        i += 1
    return i


def tail(doc: Doc, span: Span) -> str:
    return fold(doc.text[span.end_char:tail_end(doc, span)])


def tokens_between(doc: Doc, start: int, end: int) -> list[str]:
    """Texts of the tokens lying inside [start, end) (spaces dropped)."""
    return [t.text for t in doc if t.idx >= start and t.idx + len(t.text) <= end and t.text.strip()]


def previous_end(figures: list[Span], i: int) -> int:
    return figures[i - 1].end_char if i > 0 else 0
