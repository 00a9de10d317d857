"""Tables that a text extraction left as plain lines ("行政许可 97" under "第二十条第（五）项"), not as pipe rows.

Markdown exports of report PDFs (shanghai_*.md in the real corpus) keep part of table 二 this way, above or beside
its pipe table. A run of such lines becomes a raw table of (label, value) rows so the tables stage can map it; the
run must hold a table signature line (format-spec §3 headers, `table_signatures.toml`) and at least two rows that
end in a number, so a list in the prose never qualifies.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from service.ingest.headings import is_heading
from service.lexicon import load
from service.text import compact, fold

MAX_LINE_CHARS = 30
MIN_VALUE_ROWS = 2
_PROSE_PUNCTUATION = re.compile(r"[。，；：!?！？,;:]")
_PARENTHESIZED = re.compile(r"\([^()]*\)")
"""Header notes such as （单位：万元） hold punctuation that prose would."""
_LABEL_VALUE = re.compile(r"^(.*?)\s*([0-9０-９][0-9０-９,，.．]*)$")


@dataclass(frozen=True)
class LineTable:
    start: int
    end: int
    """Index after the run's last line."""
    rows: list[list[str]]


def _is_table_line(line: str) -> bool:
    text = line.strip()
    if not text or len(text) > MAX_LINE_CHARS or is_heading(text):
        return False
    return not _PROSE_PUNCTUATION.search(_PARENTHESIZED.sub("", fold(text)))


def _is_signature(line: str) -> bool:
    folded = compact(line)
    return any(folded.startswith(compact(word)) for word in load("table_signatures")["start"])


def _cells(line: str) -> list[str]:
    match = _LABEL_VALUE.match(line.strip())
    return [match.group(1).strip(), match.group(2)] if match else [line.strip()]


def find_line_tables(lines: list[str], ends_run: Callable[[str], bool]) -> list[LineTable]:
    """Runs of table lines among `lines`; a line matching `ends_run` (a pipe row, a page footer) ends a run."""
    tables, i = [], 0
    while i < len(lines):
        j = i
        while j < len(lines) and _is_table_line(lines[j]) and not ends_run(lines[j]):
            j += 1
        run = lines[i:j]
        value_rows = sum(bool(_LABEL_VALUE.match(line.strip())) for line in run)
        if value_rows >= MIN_VALUE_ROWS and any(_is_signature(line) for line in run):
            tables.append(LineTable(i, j, [_cells(line) for line in run]))
        i = max(j, i + 1)
    return tables
