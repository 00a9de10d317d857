"""What the markup backends (HTML, Markdown) share: their vocabulary, title lines and hard paragraph starts."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from service.ingest.builder import DocumentBuilder
from service.ingest.headings import is_heading
from service.lexicon import load
from service.text import SENTENCE_END, clean_line, compact


def vocabulary() -> dict[str, Any]:
    """service/lexicon/markup.toml: titles, page footers, page chrome and metadata labels of web pages."""
    return load("markup")


def start_paragraph(builder: DocumentBuilder, text: str, page: int | None = None) -> None:
    """Add a paragraph that never joins the one before (the first after a table or a blank line)."""
    builder.add_block(text, kind="heading" if is_heading(text) else "paragraph", page=page)


def joins_tight(left: str, right: str) -> bool:
    """Whether two pieces of one label meet without a space: Chinese text (and full-width marks) does."""
    return _is_wide(left[-1]) or _is_wide(right[0])


def join_pieces(pieces: list[str]) -> str:
    """Join the lines of a label broken by <p>/<br> or a wrap: no space around Chinese, one space between words."""
    out = ""
    for piece in (clean_line(p) for p in pieces):
        if not piece:
            continue
        out = piece if not out else out + ("" if joins_tight(out, piece) else " ") + piece
    return out


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def title_span(lines: list[str]) -> tuple[int, int] | None:
    """The opening lines that form the report title, as (first, end) indexes into `lines`, or None.

    The title is the first line ending in a title suffix ("…年度报告") among the first few, with the lines before it
    that are long enough to be its wrapped beginning (a short line before it, such as an export's "正文", is not).
    """
    rules = vocabulary()["title"]
    for end, line in enumerate(lines[: rules["max_lines"] + 2]):
        text = clean_line(line)
        if not text or text[-1] in SENTENCE_END or is_heading(text):
            return None
        if compact(text).endswith(tuple(rules["suffixes"])):
            first = end
            while (first > 0 and end - first + 1 < rules["max_lines"]
                   and len(clean_line(lines[first - 1])) >= rules["min_wrapped_line_chars"]
                   and clean_line(lines[first - 1])[-1] not in SENTENCE_END):
                first -= 1
            title = join_pieces(lines[first: end + 1])
            return (first, end + 1) if len(title) <= rules["max_chars"] else None
    return None


@cache
def page_footer() -> re.Pattern[str]:
    return re.compile(vocabulary()["page_footer"]["pattern"])
