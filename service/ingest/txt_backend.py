"""Plain text: reports exported to text (tables as tab-separated lines) and archived web pages flattened to one line.

Two shapes are handled:
- line-oriented text (the seed): paragraphs on lines, table rows as tab-separated lines, page breaks that split a
  sentence over blank lines (joined by the builder);
- archived pages: a header of `key: value` lines, a `=== 正文 ===` rule, then the whole report on one line with its
  headings inline and its tables run together (D1). Headings are split out, and each table region becomes a
  `flattened` RawTable of (label text, digit run) rows, the digit runs marked ambiguous.
"""

from __future__ import annotations

import re

from service.document import Document, RawCell
from service.ingest.base import Backend
from service.ingest.builder import DocumentBuilder, grid_from_texts
from service.ingest.chrome import strip_chrome
from service.ingest.decode import decode, looks_like_text
from service.ingest.headings import split_inline_headings
from service.lexicon import load, section_keywords
from service.text import clean_line, fold

_ARCHIVE_RULE = re.compile(r"^=+\s*正文\s*=+\s*$")
_HEADER_FIELD = re.compile(r"^(标题|发布时间|发布机构|文号|栏目|原文链接)\s*[:：]\s*(.*)$")
_HINT_KEYS = {"标题": "title", "发布时间": "published", "发布机构": "agency"}
_INLINE_HEADING_MIN_CHARS = 300
"""Only lines at least this long are searched for inline headings (a whole report on one line)."""
_DIGIT_RUN = re.compile(r"[0-9０-９][0-9０-９.,，． ]*")
_LIST_NUMBER_AFTER = re.compile(r"^[.．、]\s*[^\d\s]")
_HEADING_TAIL = re.compile(r"^(?:及改进情况|及改进措施|及整改情况|和改进情况|的情况|情况)")
_SUBHEADING = re.compile(r"[(（][一二三四五六七八九十]{1,2}[)）]")


class TxtBackend(Backend):
    format = "txt"

    @classmethod
    def accepts(cls, data: bytes) -> bool:
        return looks_like_text(data)

    def convert(self, data: bytes, source_name: str) -> Document:
        text, encoding = decode(data)
        builder = DocumentBuilder(data, source_name, "txt", encoding)
        lines = _body_lines(text.splitlines(), builder.hints)
        _read_lines(lines, builder)
        return builder.build()


def _body_lines(lines: list[str], hints: dict[str, str]) -> list[str]:
    """Drop an archiver's header (`标题: …` lines up to a `=== 正文 ===` rule), keeping its fields as hints."""
    for i, line in enumerate(lines[:40]):
        if _ARCHIVE_RULE.match(line.strip()):
            for header in lines[:i]:
                field = _HEADER_FIELD.match(header.strip())
                if field and field.group(2).strip() and field.group(1) in _HINT_KEYS:
                    hints[_HINT_KEYS[field.group(1)]] = field.group(2).strip()
            return lines[i + 1:]
    return lines


def _is_table_line(line: str) -> bool:
    return "\t" in line.strip("\r\n ") or line.startswith("\t")


def _read_lines(lines: list[str], builder: DocumentBuilder) -> None:
    table_rows: list[list[str]] = []
    for line in lines:
        if _is_table_line(line) and line.strip():
            table_rows.append([clean_line(cell) for cell in line.rstrip("\r\n").split("\t")])
            continue
        if not line.strip():
            continue  # a blank line inside a table (a page break) does not end it
        if table_rows:
            builder.add_table(grid_from_texts(table_rows))
            table_rows = []
        _read_line(line, builder)
    if table_rows:
        builder.add_table(grid_from_texts(table_rows))


def _read_line(line: str, builder: DocumentBuilder) -> None:
    if len(line) < _INLINE_HEADING_MIN_CHARS:
        builder.add_paragraph(line)
        return
    body, _ = strip_chrome(line.strip())
    for piece in split_inline_headings(body, section_keywords()):
        _read_piece(piece, builder)


def _read_piece(piece: str, builder: DocumentBuilder) -> None:
    """One section of a one-line report: its heading, its prose, and a flattened table if it holds one."""
    heading, rest = _split_heading(piece)
    if heading:
        builder.add_block(heading, kind="heading")
    table_at = _table_start(rest)
    prose, table_text = (rest, "") if table_at is None else (rest[:table_at], rest[table_at:])
    table_text, after = _split_prose_after_table(table_text)
    if prose.strip():
        builder.add_paragraph(prose)
    if table_text:
        builder.add_table(_flattened_rows(table_text), flattened=True)
    if after.strip():
        builder.add_paragraph(after)


def _split_heading(piece: str) -> tuple[str, str]:
    """`五、存在的主要问题及改进情况（一）…` → (`五、存在的主要问题及改进情况`, `（一）…`)."""
    match = re.match(r"\s*[一二三四五六七八九十]{1,2}[、.．]", piece)
    if not match:
        return "", piece
    window = piece[match.end(): match.end() + 40]
    best_end = None
    for keyword in section_keywords():
        pos = window.find(keyword)
        if 0 <= pos <= 12:
            end = pos + len(keyword)
            best_end = end if best_end is None else max(best_end, end)
    if best_end is None:
        return "", piece
    tail = _HEADING_TAIL.match(window[best_end:])
    cut = match.end() + best_end + (tail.end() if tail else 0)
    return piece[:cut].strip(), piece[cut:]


def _table_start(text: str) -> int | None:
    """Offset where a flattened table starts: the first table signature word (format-spec §3–§5 headers)."""
    folded = fold(text)
    hits = [m.start() for word in load("table_signatures")["start"] if (m := _loose(word).search(folded))]
    if not hits or not _DIGIT_RUN.search(folded):
        return None
    return min(hits)


def _split_prose_after_table(text: str) -> tuple[str, str]:
    """(table, prose): a flattened table ends where a sub-heading starts a sentence, e.g. "…收费7816 (二)主动公开政府
    信息的主要类别 2021年，在主动公开的198条…。". Table labels and notes never end a sentence with 。, so the
    sub-heading is the last one before the first 。."""
    stop = text.find("。")
    if stop < 0:
        return text, ""
    starts = [m.start() for m in _SUBHEADING.finditer(text, 0, stop)]
    if not starts:
        return text, ""
    return text[:starts[-1]], text[starts[-1]:]


def _loose(word: str) -> re.Pattern:
    """A pattern for `word` that allows whitespace between its characters."""
    return re.compile(r"\s*".join(re.escape(ch) for ch in word))


def _flattened_rows(text: str) -> list[list[RawCell]]:
    """Cut a run-together table into rows of (label text, digit run); digit runs are ambiguous cells."""
    rows: list[tuple[str, str]] = []
    label_start = 0
    for run in _DIGIT_RUN.finditer(text):
        start, end = run.start(), run.end()
        digits = text[start:end].rstrip(" ,，.．")
        # "…00000002.其他法律…": the last digit is the next row's list number ("2."), not a cell value.
        if _LIST_NUMBER_AFTER.match(text[start + len(digits):]):
            digits = digits[:-1]
        if not digits.strip():
            continue
        label = text[label_start:start].strip()
        rows.append((label, digits.strip()))
        label_start = start + len(digits)
    trailing = text[label_start:].strip()
    if trailing:
        rows.append((trailing, ""))
    grid = grid_from_texts([[label, digits] for label, digits in rows])
    for row in grid:
        row[1].ambiguous = bool(row[1].text)
    return grid
