"""Response shapes of the HTTP API (for clients and the OpenAPI page)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from service.store import DocumentRow


class DocumentSummary(BaseModel):
    id: str
    status: str
    reason: str | None = None
    sha256: str
    source_name: str
    size: int
    agency: str | None = None
    year: int | None = None
    pipeline_version: str | None = None
    stale: bool = False
    """The result came from another pipeline version; POST …/reprocess refreshes it."""
    errors: int = 0
    warnings: int = 0
    attempts: int = 0
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None = None
    links: dict[str, str] = {}

    @classmethod
    def of(cls, row: DocumentRow, current_version: str) -> DocumentSummary:
        base = f"/v1/documents/{row.id}"
        links = {"self": base, "original": f"{base}/original"}
        if row.status == "done":
            links |= {"report": f"{base}/report", "csv": f"{base}/export.csv", "xlsx": f"{base}/export.xlsx"}
        return cls(
            id=row.id, status=row.status, reason=row.reason, sha256=row.sha256, source_name=row.source_name,
            size=row.size, agency=row.agency or row.agency_hint, year=row.year or row.year_hint,
            pipeline_version=row.pipeline_version,
            stale=row.status == "done" and row.pipeline_version != current_version,
            errors=row.errors, warnings=row.warnings, attempts=row.attempts, created_at=row.created_at,
            updated_at=row.updated_at, finished_at=row.finished_at, links=links,
        )


class DocumentOut(DocumentSummary):
    result: dict | None = None
    """The result JSON of result-schema.md, once status is done."""


class DocumentPage(BaseModel):
    items: list[DocumentSummary]
    total: int
    limit: int
    offset: int


class Health(BaseModel):
    status: str
    version: str
    queue: dict[str, int]
