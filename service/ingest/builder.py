"""Assembles a `Document` from what a backend reads: blocks of text and raw tables, each with its page."""

from __future__ import annotations

import hashlib

from service.document import (
    Block,
    Document,
    IngestNote,
    PageSpan,
    RawCell,
    RawTable,
    SourceFormat,
    SourceInfo,
)
from service.ingest.headings import is_heading
from service.text import SENTENCE_END, clean_line

BLOCK_SEPARATOR = "\n"
MIN_WRAPPED_CHARS = 20
"""A paragraph shorter than this that lacks end punctuation is a line of its own (a sign-off, a date), not a wrap."""
PARAGRAPH_END = SENTENCE_END + "：:"
"""Closing quotes and brackets are left out: in wrapped prose (PDF and Markdown exports) lines end at them mid-sentence."""
TITLE_ENDINGS = ("年度报告", "年报")


def continues(previous: str, following: str) -> bool:
    """Whether `following` is the rest of a sentence broken by a page or line break after `previous`."""
    previous, following = previous.rstrip(), following.lstrip()
    if not previous or not following or len(previous) < MIN_WRAPPED_CHARS:
        return False
    if previous[-1] in PARAGRAPH_END or (previous.endswith(TITLE_ENDINGS) and not _inside_book_title(previous)):
        return False
    if is_heading(previous) or is_heading(following):
        return False
    return True


def _inside_book_title(text: str) -> bool:
    """"…《关于印发…工作年度报告" is cut inside a title in 《》, not the report's own title line."""
    return text.rfind("《") > text.rfind("》")


class DocumentBuilder:
    def __init__(self, data: bytes, source_name: str, fmt: SourceFormat, encoding: str | None = None):
        self._source = SourceInfo(
            sha256=hashlib.sha256(data).hexdigest(),
            source_name=source_name,
            format=fmt,
            size=len(data),
            encoding=encoding,
        )
        self._parts: list[str] = []
        self._length = 0
        self._blocks: list[Block] = []
        self._tables: list[RawTable] = []
        self._notes: list[IngestNote] = []
        self._page_marks: list[tuple[int, int]] = []  # (offset, page number)
        self.hints: dict[str, str] = {}

    @property
    def last_block(self) -> Block | None:
        return self._blocks[-1] if self._blocks else None

    def text_of(self, block: Block) -> str:
        return "".join(self._parts)[block.start: block.end]

    def _append(self, text: str, page: int | None) -> int:
        start = self._length
        if page is not None and (not self._page_marks or self._page_marks[-1][1] != page):
            self._page_marks.append((start, page))
        self._parts.append(text)
        self._length += len(text)
        return start

    def add_block(self, text: str, kind: str = "paragraph", page: int | None = None) -> Block | None:
        text = clean_line(text)
        if not text:
            return None
        if self._blocks:
            self._append(BLOCK_SEPARATOR, None)
        start = self._append(text, page)
        block = Block(index=len(self._blocks), kind=kind, start=start, end=self._length, page=page)
        self._blocks.append(block)
        return block

    def extend_block(self, text: str, page: int | None = None) -> None:
        """Append text to the last block: the rest of a sentence that a line or page break split."""
        text = clean_line(text)
        block = self.last_block
        if not text or block is None or block.end != self._length:
            self.add_block(text, page=page)
            return
        self._append(text, page)
        block.end = self._length

    def add_paragraph(self, text: str, page: int | None = None) -> None:
        """Add a paragraph, joining it to the previous one when that one was cut mid-sentence."""
        block = self.last_block
        if block is not None and block.kind == "paragraph" and block.end == self._length:
            if continues(self.text_of(block), clean_line(text)):
                self.extend_block(text, page)
                return
        kind = "heading" if is_heading(text) else "paragraph"
        self.add_block(text, kind=kind, page=page)

    def add_table(
        self,
        rows: list[list[RawCell]],
        pages: list[int] | None = None,
        flattened: bool = False,
        caption: str | None = None,
    ) -> RawTable | None:
        if not rows or not any(c.text.strip() for row in rows for c in row):
            return None
        table = RawTable(
            index=len(self._tables),
            rows=rows,
            anchor=self._length,
            pages=pages or [],
            flattened=flattened,
            caption=caption,
        )
        self._tables.append(table)
        return table

    def note(self, code: str, message_zh: str, message_en: str, severity: str = "warning",
             page: int | None = None) -> None:
        self._notes.append(IngestNote(code=code, severity=severity, message_zh=message_zh,
                                      message_en=message_en, page=page))

    def build(self, pages: int | None = None) -> Document:
        text = "".join(self._parts)
        spans = []
        for i, (offset, number) in enumerate(self._page_marks):
            end = self._page_marks[i + 1][0] if i + 1 < len(self._page_marks) else len(text)
            spans.append(PageSpan(number=number, start=offset, end=end))
        source = self._source.model_copy(update={"pages": pages})
        return Document(source=source, text=text, pages=spans, blocks=self._blocks, tables=self._tables,
                        notes=self._notes, hints=self.hints)


def grid_from_texts(rows: list[list[str]], page: int | None = None, ambiguous: bool = False) -> list[list[RawCell]]:
    """A rectangular grid of cells from rows of strings (short rows padded with empty cells)."""
    width = max((len(r) for r in rows), default=0)
    return [
        [RawCell(text=(row[c] if c < len(row) else ""), row=r, col=c, page=page, ambiguous=ambiguous)
         for c in range(width)]
        for r, row in enumerate(rows)
    ]
