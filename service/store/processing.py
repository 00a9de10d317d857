"""Turning a stored original into a stored result: the one path the server's worker pool and `nianbao reprocess` use.

`analyze_original` runs in a worker (a process or a thread): it reads the original, looks up the previous year's
report of the same agency (so the table stage may use it, H1/X14) and returns the result JSON. `record_result` runs
in the process that owns the queue: it recomputes the cross-year findings against the store as it is at that moment
(another report of the agency may have finished meanwhile), stores the result, and refreshes the next year's report.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass

from service.checks.history import apply_history
from service.ingest import IngestError
from service.result import Result
from service.store.config import StoreSettings
from service.store.models import DocumentRow
from service.store.repository import Store, load_result

log = logging.getLogger("nianbao.store")
_worker_store: Store | None = None


@dataclass(frozen=True)
class Job:
    doc_id: str
    sha256: str
    source_name: str
    agency_hint: str | None
    year_hint: int | None

    @classmethod
    def of(cls, row: DocumentRow) -> Job:
        return cls(row.id, row.sha256, row.source_name, row.agency_hint, row.year_hint)


@dataclass(frozen=True)
class Outcome:
    doc_id: str
    result_json: str | None = None
    reason: str | None = None


def with_hints(result: Result, agency: str | None, year: int | None) -> Result:
    """The uploader's agency and year, where given, win over what was read from the document."""
    updates = {k: v for k, v in (("agency", agency), ("year", year)) if v is not None}
    if not updates:
        return result
    return result.model_copy(update={"document": result.document.model_copy(update=updates)})


def history_for(store: Store, result: Result, exclude_id: str | None = None) -> list[Result]:
    rows = store.same_agency_reports(result.document.agency, result.document.year, -1, exclude_id)
    return [r for r in map(load_result, rows) if r is not None]


def _metadata_stages() -> list[str]:
    from service.pipeline import DEFAULT_STAGES

    return DEFAULT_STAGES[: DEFAULT_STAGES.index("metadata") + 1] if "metadata" in DEFAULT_STAGES else []


def _analyze(store: Store, job: Job) -> Result:
    from service.ingest import ingest
    from service.pipeline import analyze_document

    document = ingest(store.blobs.get(job.sha256), job.source_name)
    history: list[Result] = []
    if stages := _metadata_stages():
        meta = with_hints(analyze_document(document, stages=stages), job.agency_hint, job.year_hint)
        history = history_for(store, meta, exclude_id=job.doc_id)
    return with_hints(analyze_document(document, history=history), job.agency_hint, job.year_hint)


def analyze_original(settings: StoreSettings, job: Job) -> Outcome:
    """Worker side. Never raises: a failure is an `Outcome` with the reason the user will read."""
    global _worker_store
    if _worker_store is None or _worker_store.settings != settings:
        _worker_store = Store(settings)
    try:
        return Outcome(job.doc_id, result_json=_analyze(_worker_store, job).to_json(indent=None))
    except IngestError as exc:
        return Outcome(job.doc_id, reason=str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash marks the document failed; the original is kept
        log.error("processing %s failed:\n%s", job.doc_id, traceback.format_exc())
        return Outcome(job.doc_id, reason=f"internal error while processing: {type(exc).__name__}: {exc}")


def record_result(store: Store, outcome: Outcome) -> bool:
    """Owner side: store the outcome; for a result, refresh the cross-year findings of it and of the next year."""
    if outcome.result_json is None:
        return store.fail(outcome.doc_id, outcome.reason or "processing failed")
    result = Result.model_validate_json(outcome.result_json)
    result = apply_history(result, history_for(store, result, exclude_id=outcome.doc_id))
    if not store.finish(outcome.doc_id, result):
        return False
    refresh_next_year(store, result.document.agency, result.document.year, outcome.doc_id)
    return True


def refresh_next_year(store: Store, agency: str | None, year: int | None, changed_id: str) -> None:
    """Recompute the cross-year findings of the agency's report for year + 1 (its previous year changed)."""
    for later in store.same_agency_reports(agency, year, +1, changed_id):
        later_result = load_result(later)
        if later_result is not None:
            store.replace_result(later.id, apply_history(later_result, history_for(store, later_result, later.id)))


def delete_document(store: Store, doc_id: str) -> bool:
    """Delete a document and its original; the next year's report stops being compared with it."""
    row = store.get(doc_id)
    if row is None or not store.delete(doc_id):
        return False
    if row.status == "done":
        refresh_next_year(store, row.agency, row.year, doc_id)
    return True


def process_inline(store: Store, row: DocumentRow) -> bool:
    """Process one claimed document in this process (CLI)."""
    return record_result(store, analyze_original(store.settings, Job.of(row)))
