"""Text helpers shared by every stage: width folding for matching, whitespace rules for Chinese prose."""

from __future__ import annotations

import re
import unicodedata

SENTENCE_END = "。！？；!?;…"
_CJK = r"\u3400-\u9fff\uf900-\ufaff"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}，。、；：“”（）《》])[ \t\u3000]+(?=[{_CJK}，。、；：“”（）《》])")


def fold(text: str) -> str:
    """NFKC per character where it keeps the length, so offsets into the folded text equal offsets into `text`.

    Full-width digits, letters and punctuation become half-width (（一）→(一), ３→3); characters whose NFKC form is
    longer (①, ㎡) stay as they are.
    """
    out = []
    for ch in text:
        folded = unicodedata.normalize("NFKC", ch)
        out.append(folded if len(folded) == 1 else ch)
    return "".join(out)


def compact(text: str) -> str:
    """Folded text without any whitespace: the form labels are matched in."""
    return re.sub(r"\s+", "", fold(text))


def clean_line(line: str) -> str:
    """Drop layout whitespace: non-breaking spaces, and spaces between two CJK characters (PDF and HTML padding)."""
    line = line.replace("\u00a0", " ").replace("\u200b", "").replace("\ufeff", "")
    line = _SPACE_BETWEEN_CJK.sub("", line)
    return re.sub(r"[ \t\u3000]+", " ", line).strip()


def is_cjk(ch: str) -> bool:
    return bool(ch) and bool(re.match(rf"[{_CJK}]", ch))
