"""The result of one document: the public JSON contract of ../shared/spec/result-schema.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from service import __version__
from service.findings import Finding

SCHEMA_VERSION = "1"
TABLE_KEYS = ("active_disclosure", "requests", "review_litigation")
CellStatus = Literal["number", "blank", "dash", "text", "ambiguous"]
Template = Literal["2021", "2019", "pre-2019", "unknown"]


class Cell(BaseModel):
    value: int | float | None
    raw: str
    page: int | None = None
    status: CellStatus
    note: str | None = None
    """Annotation text found beside the number (D8), e.g. 其中修订 16 件."""


class TableResult(BaseModel):
    template: Literal["2021", "2019"]
    rows: dict[str, dict[str, Cell]]
    page: int | None = None
    pages: list[int] = Field(default_factory=list)
    source_table: int | None = None
    """Index of the raw table (in the Document) the cells were read from."""


class Figure(BaseModel):
    id: str
    text: str
    start: int
    end: int
    page: int | None = None
    sentence: tuple[int, int]
    value: int | float
    unit: str
    kind: Literal["count", "money", "percent", "pp_change", "duration"]
    approximate: bool = False
    subject: str | None = None
    change: Literal["increase", "decrease"] | None = None
    part_of: str | None = None
    metric: str | None = None
    source: str = "rules"
    """Which extractor found it (rules, spacy, transformer)."""
    relation: Literal["total", "part", "included", "share", "change"] | None = None
    """total/part: a 其中 breakdown (`part_of` names the total); included: "（含上年结转 189 件）", a subset only."""
    parts_open: bool = False
    """Its list of parts is marked incomplete (等) or inclusive (含…): the parts may sum to less."""
    refers_to: str | None = None
    """For a share (占 45.3%) or a change (较去年增加 31%): the figure it describes."""
    rule: str | None = None
    """The cross-check (X1…X14) that compares it with its table cell, when `metric` is set."""


class Section(BaseModel):
    number: int
    title: str
    start: int
    end: int


class DocumentInfo(BaseModel):
    sha256: str
    source_name: str
    format: str
    pages: int | None = None
    title: str | None = None
    agency: str | None = None
    year: int | None = None
    published: str | None = None
    template: Template = "unknown"


class Result(BaseModel):
    schema_version: str = SCHEMA_VERSION
    pipeline_version: str = __version__
    document: DocumentInfo
    sections: list[Section] = Field(default_factory=list)
    text: str
    tables: dict[str, TableResult | None] = Field(default_factory=lambda: {k: None for k in TABLE_KEYS})
    figures: list[Figure] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)
