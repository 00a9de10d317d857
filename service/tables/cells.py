"""One table cell's text → `Cell`: integers, decimals (万元), blank, dash, or text (format-spec §6, D7, D8, D13)."""

from __future__ import annotations

import re

from service.result import Cell
from service.text import fold

DASHES = frozenset({"—", "——", "-", "--", "/", "无", "–", "\\", "×", "空"})
_NUMBER = re.compile(
    r"^(?P<number>[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*"
    r"(?P<unit>万元|元|件|条|个|项)?\s*"
    r"(?P<note>\(.*\)|（.*）)?$"
)


def _clean(text: str) -> str:
    return fold(text).replace("\u00a0", " ").replace("\u200b", "").strip()


def is_value_text(text: str) -> bool:
    """Whether a raw cell holds a value (a number, possibly annotated, a dash, or nothing) rather than a label."""
    cleaned = _clean(text)
    return not cleaned or cleaned in DASHES or bool(_NUMBER.match(re.sub(r"\s+", "", cleaned)))


def parse_cell(text: str, page: int | None = None) -> Cell:
    cleaned = _clean(text)
    if not cleaned:
        return Cell(value=None, raw=text, page=page, status="blank")
    if cleaned in DASHES:
        return Cell(value=None, raw=text, page=page, status="dash")
    match = _NUMBER.match(re.sub(r"\s+", "", cleaned))
    if not match:
        return Cell(value=None, raw=text, page=page, status="text")
    number = match["number"].replace(",", "")
    value: int | float = float(number) if "." in number else int(number)
    note = " ".join(filter(None, [match["unit"], (match["note"] or "")[1:-1]])) or None
    return Cell(value=value, raw=text, page=page, status="number", note=note)


def number_cell(digits: str, raw: str, page: int | None = None) -> Cell:
    """A cell whose value came out of a run of digits (D1): `raw` keeps the whole run it was cut from."""
    value: int | float = float(digits) if "." in digits else int(digits)
    return Cell(value=value, raw=raw, page=page, status="number")
