"""Character BIO tags for the span labels the transformer predicts, and the conversions spans ⇄ tags."""

from __future__ import annotations

from typing import NamedTuple

LABELS = ("FIGURE", "SUBJECT")
TAGS = ("O",) + tuple(f"{prefix}-{label}" for label in LABELS for prefix in ("B", "I"))
TAG_ID = {tag: i for i, tag in enumerate(TAGS)}


class LabeledSpan(NamedTuple):
    start: int
    end: int
    label: str


def spans_to_tags(length: int, spans: list[LabeledSpan]) -> list[int]:
    """Tag ids for `length` characters; a span that overlaps an earlier (longer or first) one is dropped."""
    tags = [TAG_ID["O"]] * length
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        start, end = max(0, span.start), min(length, span.end)
        if start >= end or any(tags[i] != TAG_ID["O"] for i in range(start, end)):
            continue
        tags[start] = TAG_ID[f"B-{span.label}"]
        for i in range(start + 1, end):
            tags[i] = TAG_ID[f"I-{span.label}"]
    return tags


def tags_to_spans(tags: list[str]) -> list[LabeledSpan]:
    """Spans from predicted tags; an I- tag that does not continue a span of its label starts one.

    Two spans of one label that touch are one span: no two figures (or subjects) of a report stand with nothing
    between them, while a small model trained on little data does tag B- inside long numbers ("[1][3][3条]").
    """
    spans: list[LabeledSpan] = []
    start, label = None, None
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, tag_label = tag.partition("-")
        continues = prefix == "I" and tag_label == label
        if start is not None and not continues:
            if spans and spans[-1].end == start and spans[-1].label == label:
                start = spans.pop().start
            spans.append(LabeledSpan(start, i, label))
            start, label = None, None
        if prefix in ("B", "I") and not continues:
            start, label = i, tag_label
    return spans
