"""The units the model reads: sentences of the text, cut at clause marks where longer than the model's window."""

from __future__ import annotations

import re

from service.text import SENTENCE_END

_SENTENCE = re.compile(rf"[^{re.escape(SENTENCE_END)}\n]*(?:[{re.escape(SENTENCE_END)}]+|\n|$)")
_CLAUSE_MARK = re.compile(r"[，、,：:（(]")
_NUMBER_CHAR = re.compile(r"[0-9０-９零〇一二两三四五六七八九十百千万亿]")


def windows(text: str, max_chars: int) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text` holding a number, split into pieces of at most `max_chars`.

    Sentences without any digit or Chinese numeral cannot state a figure, so they are never read.
    """
    found = []
    for m in _SENTENCE.finditer(text):
        start, end = _strip(text, m.start(), m.end())
        if start < end and _NUMBER_CHAR.search(text, start, end):
            found.extend(_cut(text, start, end, max_chars))
    return found


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    pieces = []
    while end - start > max_chars:
        marks = [m.end() for m in _CLAUSE_MARK.finditer(text, start + max_chars // 2, start + max_chars)]
        cut = marks[-1] if marks else start + max_chars
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces
