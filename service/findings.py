"""Findings: what a check (or a stage that could not read something) tells the auditor. See result-schema.md."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


class Evidence(BaseModel):
    kind: Literal["cell", "figure", "text", "table", "page"]
    table: str | None = None
    row: str | None = None
    col: str | None = None
    page: int | None = None
    figure: str | None = None
    start: int | None = None
    end: int | None = None
    note: str | None = None


class Finding(BaseModel):
    rule: str
    severity: Severity
    message_zh: str
    message_en: str
    expected: float | int | str | None = None
    actual: float | int | str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    data: dict = Field(default_factory=dict)
    """Rule-specific details (candidates of an ambiguous split, an implied prior-year value, …)."""


def cell_evidence(table: str, row: str, col: str, page: int | None = None) -> Evidence:
    return Evidence(kind="cell", table=table, row=row, col=col, page=page)


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: SEVERITY_ORDER[f.severity])
