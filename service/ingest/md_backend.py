"""Markdown: text exports of report PDFs, with pipe tables (shanghai_*.md in the real corpus).

Text lines are PDF lines, wrapped mid-sentence: they are joined into paragraphs by the builder, headings kept on
their own; a blank line always ends a paragraph. Page footers ("— 4 —") give page numbers and are dropped. Each run
of pipe rows is one raw table, its rows kept as they are (uneven rows padded, separator rows dropped): two runs with
any text line between them are two tables (a page footer between rows is not text: the table goes on). A `#` heading
directly above a table is its caption, not narrative. Table lines the extraction left as plain text ("行政许可 97"
under "第二十条第（五）项") are read as a raw table (line_tables.py).
"""

from __future__ import annotations

import re

from service.document import Document
from service.ingest.base import Backend
from service.ingest.builder import DocumentBuilder, grid_from_texts
from service.ingest.decode import decode
from service.ingest.line_tables import find_line_tables
from service.ingest.markup import join_pieces, page_footer, start_paragraph, title_span, vocabulary
from service.text import clean_line, compact

_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
_CELL_BREAK = re.compile(r"<br\s*/?>", re.I)
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def plain(text: str) -> str:
    """Markdown inline markup removed: **bold**, __bold__, [text](link) and ![alt](image) keep only their text."""
    return _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", text))


class MarkdownBackend(Backend):
    format = "md"

    def convert(self, data: bytes, source_name: str) -> Document:
        text, encoding = decode(data)
        builder = DocumentBuilder(data, source_name, "md", encoding=encoding)
        reader = _MarkdownReader(builder, text.splitlines())
        reader.read()
        return builder.build(pages=reader.page_count)


def pipe_cells(line: str) -> list[str]:
    """The cells of one pipe row: outer pipes removed, escaped pipes restored, <br> inside a cell joined."""
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [join_pieces(_CELL_BREAK.split(plain(cell).replace("\\|", "|"))) for cell in _CELL_SPLIT.split(inner)]


def is_separator_row(cells: list[str]) -> bool:
    return any(cells) and all(not cell or _SEPARATOR_CELL.match(cell.replace(" ", "")) for cell in cells)


def _is_archive_marker(line: str) -> bool:
    return line.strip() in vocabulary()["title"]["archive_markers"]


class _MarkdownReader:
    def __init__(self, builder: DocumentBuilder, lines: list[str]):
        self.builder = builder
        self.lines = lines
        self._has_pages = any(page_footer().match(line) for line in lines)
        self.page: int | None = 1 if self._has_pages else None
        self._last_footer = 0
        self._content_on_page = False
        self._rows: list[list[str]] = []
        self._row_pages: list[int | None] = []
        self._caption: str | None = None
        self._fresh = True
        self._line_tables = {t.start: t for t in find_line_tables(lines, self._ends_line_table)}
        self._in_line_table = frozenset(i for t in self._line_tables.values() for i in range(t.start, t.end))

    @staticmethod
    def _ends_line_table(line: str) -> bool:
        return bool(_PIPE_ROW.match(line) or _HEADING.match(line) or page_footer().match(line))

    @property
    def page_count(self) -> int | None:
        if not self._has_pages:
            return None
        return self._last_footer + (1 if self._content_on_page else 0)

    def read(self) -> None:
        title = self._title_lines()
        for index, line in enumerate(self.lines):
            if title and index < title[0] and _is_archive_marker(line):
                continue
            if title and index == title[0]:
                self._add_title(join_pieces([self.lines[i] for i in title]))
            if index in self._line_tables:
                self._add_line_table(index)
            elif index not in title and index not in self._in_line_table:
                self._read_line(index, line)
        self._close_table()

    def _title_lines(self) -> list[int]:
        """Indexes of the lines that make up the title, among the opening lines (none when there is no title)."""
        opening = []
        for index, line in enumerate(self.lines):
            if _PIPE_ROW.match(line) or _HEADING.match(line):
                break
            if line.strip() and not page_footer().match(line) and not _is_archive_marker(line):
                opening.append(index)
            if len(opening) > vocabulary()["title"]["max_lines"] + 1:
                break
        span = title_span([self.lines[i] for i in opening])
        return opening[span[0]: span[1]] if span else []

    def _read_line(self, index: int, line: str) -> None:
        footer = page_footer().match(line)
        if footer:
            self._last_footer = int(footer.group(1))
            self.page = self._last_footer + 1
            self._content_on_page = False
            return
        if line.strip():
            self._content_on_page = True
        if _PIPE_ROW.match(line):
            self._add_row(pipe_cells(line))
            return
        self._close_table()
        line = plain(line)
        heading = _HEADING.match(line)
        if not line.strip():
            self._fresh = True
        elif heading:
            self._add_heading(clean_line(heading.group(2)), index)
        elif self._fresh:
            start_paragraph(self.builder, line, page=self.page)
            self._fresh = False
        else:
            self.builder.add_paragraph(line, page=self.page)

    def _add_title(self, text: str) -> None:
        self.builder.add_block(text, kind="title", page=self.page)
        self._content_on_page = True
        self._fresh = True

    def _add_heading(self, text: str, index: int) -> None:
        following = next((line for line in self.lines[index + 1:] if line.strip()), "")
        if _PIPE_ROW.match(following):
            self._caption = text
            return
        suffixes = tuple(vocabulary()["title"]["suffixes"])
        kind = "title" if self.builder.last_block is None and compact(text).endswith(suffixes) else "heading"
        self.builder.add_block(text, kind=kind, page=self.page)
        self._fresh = True

    def _add_line_table(self, index: int) -> None:
        """Table lines left as text by the extraction (see line_tables): one raw table, on the current page."""
        self._close_table()
        self._content_on_page = True
        self.builder.add_table(grid_from_texts(self._line_tables[index].rows, page=self.page),
                               pages=[self.page] if self.page else [])
        self._fresh = True

    def _add_row(self, cells: list[str]) -> None:
        if not is_separator_row(cells):
            self._rows.append(cells)
            self._row_pages.append(self.page)

    def _close_table(self) -> None:
        if self._rows:
            grid = grid_from_texts(self._rows)
            for row, page in zip(grid, self._row_pages):
                for cell in row:
                    cell.page = page
            pages = sorted({page for page in self._row_pages if page is not None})
            self.builder.add_table(grid, pages=pages, caption=self._caption)
            self._fresh = True
            self._caption = None
        self._rows, self._row_pages = [], []
