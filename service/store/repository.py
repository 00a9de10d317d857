"""The store's operations. Every state change is one short transaction; claiming a queued document is an atomic
compare-and-set, so two workers (or a worker and `nianbao reprocess`) never process the same document at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from service.checks.history import agency_key, same_agency
from service.result import Result
from service.store.blobs import BlobStore, sha256_of
from service.store.config import StoreSettings
from service.store.models import DocumentRow, Status, utcnow

_ALEMBIC_INI = Path(__file__).with_name("alembic.ini")


@dataclass(frozen=True)
class ListFilter:
    agency: str | None = None
    year: int | None = None
    status: Status | None = None
    has_errors: bool | None = None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Store:
    def __init__(self, settings: StoreSettings):
        self.settings = settings
        self.engine = make_engine(settings.database_url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.blobs = BlobStore(settings.data_dir)

    # --- schema -----------------------------------------------------------------------------------------------------

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision."""
        config = Config(str(_ALEMBIC_INI))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    # --- documents --------------------------------------------------------------------------------------------------

    def add(self, data: bytes, source_name: str, agency: str | None = None,
            year: int | None = None) -> tuple[DocumentRow, bool]:
        """Store an upload. The same bytes give the same document: (row, False) when it was already there.

        A document that had failed is queued again, since an upload of it is a request to try once more.
        """
        digest = self.blobs.put(data)
        with self.sessions() as session:
            existing = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == digest))
            if existing is None:
                row = DocumentRow(sha256=digest, source_name=source_name, size=len(data), status=Status.queued.value,
                                  agency_hint=agency, year_hint=year, created_at=utcnow(), updated_at=utcnow())
                session.add(row)
                try:
                    session.commit()
                    return row, True
                except IntegrityError:
                    session.rollback()
                    existing = session.scalar(select(DocumentRow).where(DocumentRow.sha256 == digest))
        if existing.status == Status.failed.value:
            self.requeue(existing.id)
            return self.get(existing.id), False
        return existing, False

    def get(self, doc_id: str) -> DocumentRow | None:
        with self.sessions() as session:
            return session.get(DocumentRow, doc_id)

    def list(self, filters: ListFilter, limit: int, offset: int) -> tuple[list[DocumentRow], int]:
        query = select(DocumentRow)
        if filters.agency:
            query = query.where(DocumentRow.agency_key.contains(agency_key(filters.agency) or filters.agency))
        if filters.year is not None:
            query = query.where(DocumentRow.year == filters.year)
        if filters.status is not None:
            query = query.where(DocumentRow.status == filters.status.value)
        if filters.has_errors is not None:
            query = query.where((DocumentRow.errors > 0) if filters.has_errors else (DocumentRow.errors == 0))
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            rows = session.scalars(
                query.order_by(DocumentRow.created_at.desc(), DocumentRow.id).limit(limit).offset(offset)
            ).all()
        return list(rows), total or 0

    def delete(self, doc_id: str) -> bool:
        with self.sessions() as session:
            row = session.get(DocumentRow, doc_id)
            if row is None:
                return False
            session.delete(row)
            session.commit()
        self.blobs.delete(row.sha256)
        return True

    def original(self, row: DocumentRow) -> bytes:
        return self.blobs.get(row.sha256)

    def counts(self) -> dict[str, int]:
        with self.sessions() as session:
            pairs = session.execute(select(DocumentRow.status, func.count()).group_by(DocumentRow.status)).all()
        return {status.value: 0 for status in Status} | {status: n for status, n in pairs}

    # --- processing state -------------------------------------------------------------------------------------------

    def _set(self, doc_id: str, *conditions, **values) -> bool:
        with self.sessions() as session:
            changed = session.execute(
                update(DocumentRow).where(DocumentRow.id == doc_id, *conditions).values(updated_at=utcnow(), **values)
            ).rowcount
            session.commit()
        return changed == 1

    def claim_next(self) -> DocumentRow | None:
        """Take the oldest queued document and mark it processing; None when the queue is empty."""
        while True:
            with self.sessions() as session:
                doc_id = session.scalar(
                    select(DocumentRow.id).where(DocumentRow.status == Status.queued.value)
                    .order_by(DocumentRow.created_at, DocumentRow.id).limit(1)
                )
            if doc_id is None:
                return None
            if claimed := self.claim(doc_id):
                return claimed

    def claim(self, doc_id: str) -> DocumentRow | None:
        """Take one queued document (by id) and mark it processing; None when it is not queued."""
        if self._set(doc_id, DocumentRow.status == Status.queued.value, status=Status.processing.value,
                     attempts=DocumentRow.attempts + 1, started_at=utcnow(), reason=None):
            return self.get(doc_id)
        return None

    def finish(self, doc_id: str, result: Result) -> bool:
        """Record a result; False when the document was deleted or requeued meanwhile (the result is dropped)."""
        return self._set(doc_id, DocumentRow.status == Status.processing.value, status=Status.done.value,
                         finished_at=utcnow(), reason=None, **_result_columns(result))

    def replace_result(self, doc_id: str, result: Result) -> bool:
        """Update a finished document's result in place (cross-year findings refreshed)."""
        return self._set(doc_id, DocumentRow.status == Status.done.value, **_result_columns(result))

    def fail(self, doc_id: str, reason: str) -> bool:
        return self._set(doc_id, DocumentRow.status == Status.processing.value, status=Status.failed.value,
                         finished_at=utcnow(), reason=reason[:2000])

    def release(self, doc_id: str) -> bool:
        """Give a claimed document back to the queue (its worker died through no fault of its own, maybe)."""
        return self._set(doc_id, DocumentRow.status == Status.processing.value, status=Status.queued.value)

    def requeue(self, doc_id: str) -> bool:
        """Queue a document again (reprocess); refused while it is being processed."""
        return self._set(doc_id, DocumentRow.status != Status.processing.value, status=Status.queued.value,
                         reason=None, attempts=0)

    def recover_interrupted(self, max_attempts: int) -> tuple[int, int]:
        """At start-up: documents left `processing` by a stopped process go back to the queue, unless they were
        interrupted `max_attempts` times already (then they fail: such a file probably kills the worker).
        Returns (requeued, failed). Assumes one server process per database."""
        with self.sessions() as session:
            processing = DocumentRow.status == Status.processing.value
            failed = session.execute(
                update(DocumentRow).where(processing, DocumentRow.attempts >= max_attempts).values(
                    status=Status.failed.value, updated_at=utcnow(), finished_at=utcnow(),
                    reason=f"processing was interrupted {max_attempts} times; the original is kept")
            ).rowcount
            requeued = session.execute(
                update(DocumentRow).where(processing).values(status=Status.queued.value, updated_at=utcnow())
            ).rowcount
            session.commit()
        return requeued, failed

    def stale(self, pipeline_version: str | None) -> list[DocumentRow]:
        """Finished documents (done or failed) whose result came from another pipeline version, oldest first;
        every finished document when `pipeline_version` is None."""
        finished = DocumentRow.status.in_([Status.done.value, Status.failed.value])
        query = select(DocumentRow).where(finished)
        if pipeline_version is not None:
            query = query.where((DocumentRow.pipeline_version != pipeline_version)
                                | DocumentRow.pipeline_version.is_(None))
        with self.sessions() as session:
            return list(session.scalars(query.order_by(DocumentRow.created_at, DocumentRow.id)).all())

    # --- year over year ---------------------------------------------------------------------------------------------

    def same_agency_reports(self, agency: str | None, year: int | None, offset: int,
                            exclude_id: str | None = None) -> list[DocumentRow]:
        """Finished reports of the same agency (names matched after normalization) for `year + offset`."""
        key = agency_key(agency)
        if key is None or year is None:
            return []
        with self.sessions() as session:
            rows = session.scalars(
                select(DocumentRow).where(DocumentRow.status == Status.done.value, DocumentRow.year == year + offset)
            ).all()
        return [r for r in rows if r.id != exclude_id and same_agency(key, r.agency_key)]


def _result_columns(result: Result) -> dict:
    severities = [f.severity for f in result.findings]
    return {
        "result_json": result.to_json(indent=None),
        "agency": result.document.agency,
        "agency_key": agency_key(result.document.agency),
        "year": result.document.year,
        "pipeline_version": result.pipeline_version,
        "errors": severities.count("error"),
        "warnings": severities.count("warning"),
    }


def load_result(row: DocumentRow) -> Result | None:
    return Result.model_validate_json(row.result_json) if row.result_json else None


__all__ = ["ListFilter", "Store", "load_result", "make_engine", "sha256_of"]
