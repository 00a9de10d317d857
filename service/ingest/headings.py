"""Is a line a heading? Shared by the backends that see lines without markup (txt, pdf, md)."""

from __future__ import annotations

import re

from service.text import SENTENCE_END, fold

_NUMBERED = re.compile(r"^\s*[一二三四五六七八九十]{1,3}\s*[、.．]")
_SUB_NUMBERED = re.compile(r"^\s*[（(][一二三四五六七八九十]{1,3}[)）]")
MAX_HEADING_CHARS = 40


def is_heading(line: str) -> bool:
    """A numbered line (一、… or （一）…) short enough to be a title and not ending a sentence."""
    text = fold(line).strip()
    if not text or len(text) > MAX_HEADING_CHARS or text[-1] in SENTENCE_END:
        return False
    if "。" in text:
        return False
    return bool(_NUMBERED.match(text) or _SUB_NUMBERED.match(text))


def split_inline_headings(text: str, keywords: list[str]) -> list[str]:
    """Split a run of text (a whole report on one line, as archived pages give) before each `一、<keyword>` heading."""
    positions = []
    for match in re.finditer(r"[一二三四五六七八九十]{1,2}[、.．]", text):
        tail = re.sub(r"\s+", "", fold(text[match.end(): match.end() + 24]))
        if any(k in tail for k in keywords):
            positions.append(match.start())
    pieces, last = [], 0
    for pos in positions:
        if pos > last:
            pieces.append(text[last:pos])
        last = pos
    pieces.append(text[last:])
    return [p for p in pieces if p.strip()]
