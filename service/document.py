"""The one document model every stage reads: normalized text, blocks and raw tables, all with provenance.

Offsets (`start`, `end`) always point into `Document.text` (end exclusive). `Document.page_at` maps an offset back
to the page it was read from, for formats that have pages (PDF); other formats give `None`.
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Literal

from pydantic import BaseModel, Field

SourceFormat = Literal["pdf", "docx", "html", "txt", "md"]
BBox = tuple[float, float, float, float]


class SourceInfo(BaseModel):
    sha256: str
    source_name: str
    format: SourceFormat
    size: int
    pages: int | None = None
    encoding: str | None = None


class PageSpan(BaseModel):
    """Where one page's text lies in `Document.text`."""

    number: int
    start: int
    end: int


class Block(BaseModel):
    """A heading or paragraph of the narrative."""

    index: int
    kind: Literal["title", "heading", "paragraph"]
    start: int
    end: int
    page: int | None = None


class RawCell(BaseModel):
    """One grid position of a raw table.

    A merged source cell is expanded: every position it covers holds a copy whose `origin` names the top-left
    position, so the grid is always rectangular. `ambiguous` marks text whose cell boundaries were lost (D1:
    digits of several cells run together); resolving it is the tables stage's job.
    """

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    origin: tuple[int, int] | None = None
    page: int | None = None
    bbox: BBox | None = None
    ambiguous: bool = False

    @property
    def is_span_copy(self) -> bool:
        return self.origin is not None and self.origin != (self.row, self.col)


class RawTable(BaseModel):
    """A table as read from the source, before any mapping to the standard schema.

    `anchor` is the offset in `Document.text` where the table stood (tables are not part of the narrative text).
    `flattened` marks a table whose cell borders were lost (D1): its rows are runs of label text and digits.
    """

    index: int
    rows: list[list[RawCell]]
    anchor: int
    pages: list[int] = Field(default_factory=list)
    flattened: bool = False
    caption: str | None = None

    @property
    def n_rows(self) -> int:
        return len(self.rows)

    @property
    def n_cols(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def texts(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]


class IngestNote(BaseModel):
    """Something the backend could not read or had to assume; becomes a finding of rule `INGEST`."""

    code: str
    severity: Literal["error", "warning", "info"] = "warning"
    message_zh: str
    message_en: str
    page: int | None = None


class Document(BaseModel):
    source: SourceInfo
    text: str
    pages: list[PageSpan] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    tables: list[RawTable] = Field(default_factory=list)
    notes: list[IngestNote] = Field(default_factory=list)
    hints: dict[str, str] = Field(default_factory=dict)
    """Metadata the container itself states (e.g. an archived page's 标题 / 发布时间 header lines)."""

    def page_at(self, offset: int) -> int | None:
        if not self.pages:
            return None
        starts = [p.start for p in self.pages]
        i = max(bisect_right(starts, offset) - 1, 0)
        return self.pages[i].number

    def block_at(self, offset: int) -> Block | None:
        for block in self.blocks:
            if block.start <= offset < block.end:
                return block
        return None
