"""A bulk annotation run: inputs → engine → one result JSON per document, manifest, annotations.jsonl, summary.

Output folder layout:
    results/<doc_id>.json   the result (result-schema.md) of each document read
    manifest.jsonl          one line per finished document (appended as each one finishes: the resume state)
    annotations.jsonl       one line per figure span of every result (rebuilt at the end of each run)
    summary.json            counts over the folder: documents, figures by label, findings by rule, failures

A document whose sha256 is in the manifest as done (`ok`, or `failed`: unreadable) under the same pipeline version is
skipped. `error` (the pipeline broke) is retried by the next run. Result files are written to a temporary name and
renamed, and a manifest line is appended only after its result file is in place, so an interrupted run (Ctrl-C,
a killed machine) leaves only finished work behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from service.batch.engines import make_engine
from service.batch.spans import label_for_kind
from service.batch.work import DEFAULT_SPEC, Outcome, PipelineSpec, Status, Task, pipeline_version

MANIFEST = "manifest.jsonl"
ANNOTATIONS = "annotations.jsonl"
SUMMARY = "summary.json"
RESULTS = "results"
DONE_STATUSES = ("ok", "failed")


@lru_cache(maxsize=1)
def _settings() -> dict:
    return tomllib.loads(Path(__file__).with_name("batch.toml").read_text(encoding="utf-8"))


class InputItem(BaseModel):
    """One document to read: a file, or one line of a .jsonl file of texts."""

    origin: str
    """What the user can find it by: a path, or path#line for a line of a .jsonl file."""
    source_name: str
    doc_id_hint: str
    path: str
    offset: int | None = None
    """Byte offset of the line, for a line of a .jsonl file."""

    def read(self) -> bytes:
        if self.offset is None:
            return Path(self.path).read_bytes()
        with open(self.path, "rb") as fh:
            fh.seek(self.offset)
            return json.loads(fh.readline())[_settings()["jsonl"]["text_field"]].encode("utf-8")


class DocRecord(BaseModel):
    """A manifest line: what became of one document."""

    sha256: str
    doc_id: str
    origin: str
    source_name: str
    pipeline_version: str
    status: Status
    reason: str | None = None
    seconds: float = 0.0
    figures: dict[str, int] = Field(default_factory=dict)
    findings: dict[str, int] = Field(default_factory=dict)
    severities: dict[str, int] = Field(default_factory=dict)
    finished: str


class Invocation(BaseModel):
    engine: str
    workers: int
    inputs: int = 0
    processed: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    unreadable_inputs: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    docs_per_s: float = 0.0
    interrupted: bool = False


class Summary(BaseModel):
    pipeline_version: str
    written: str
    invocation: Invocation
    documents: dict[str, int]
    figures: dict[str, int]
    findings_by_rule: dict[str, int]
    findings_by_severity: dict[str, int]
    failures: list[dict]


class InputError(Exception):
    """A path given to the run that does not exist or holds nothing to read."""


def discover(paths: list[Path]) -> list[InputItem]:
    items: list[InputItem] = []
    for path in paths:
        if path.is_dir():
            wanted = set(_settings()["discover"]["extensions"])
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in wanted
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            files = [path]
        else:
            raise InputError(f"{path}: no such file or directory")
        for file in files:
            items.extend(_jsonl_items(file) if file.suffix.lower() == ".jsonl" else [_file_item(file)])
    if not items:
        raise InputError("no report files found in " + ", ".join(map(str, paths)))
    return items


def _file_item(path: Path) -> InputItem:
    return InputItem(origin=str(path), source_name=path.name, doc_id_hint=path.stem, path=str(path))


def _jsonl_items(path: Path) -> list[InputItem]:
    fields = _settings()["jsonl"]
    items = []
    offset = 0
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                name = str(record.get(fields["id_field"]) or f"{path.stem}-{number}")
                record[fields["text_field"]]
            except (ValueError, KeyError, AttributeError):
                raise InputError(f"{path}:{number}: not a JSON object with a \"{fields['text_field']}\" field") from None
            items.append(InputItem(origin=f"{path}#{number}", source_name=f"{name}.txt", doc_id_hint=name,
                                   path=str(path), offset=start))
    return items


_UNSAFE = re.compile(r"[^\w.\-]+")


def _safe_id(hint: str) -> str:
    return _UNSAFE.sub("_", hint).strip("._") or "document"


@contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold a SIGINT that arrives inside the block until the block is done (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list = []
    previous = signal.signal(signal.SIGINT, lambda *_: received.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            raise KeyboardInterrupt


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class RunFolder:
    """The output folder: manifest state, result files, and the files rebuilt from them."""

    def __init__(self, out: Path):
        self.out = out
        (out / RESULTS).mkdir(parents=True, exist_ok=True)
        for stale in (out / RESULTS).glob("*.tmp"):  # left by a machine that died mid-write
            stale.unlink()
        self.records: dict[str, DocRecord] = {}
        manifest = out / MANIFEST
        if manifest.is_file():
            for raw in manifest.read_text(encoding="utf-8").splitlines():
                if raw.strip():
                    try:
                        record = DocRecord.model_validate_json(raw)
                    except ValueError:
                        continue  # a line cut short when the machine died mid-write
                    self.records[record.sha256] = record
        self._ids = {r.doc_id: r.sha256 for r in self.records.values()}

    def is_done(self, sha256: str, version: str) -> bool:
        record = self.records.get(sha256)
        return record is not None and record.pipeline_version == version and record.status in DONE_STATUSES

    def doc_id_for(self, sha256: str, hint: str) -> str:
        if sha256 in self.records:
            return self.records[sha256].doc_id
        doc_id = _safe_id(hint)
        if self._ids.get(doc_id, sha256) != sha256:
            doc_id = f"{doc_id}-{sha256[:8]}"
        self._ids[doc_id] = sha256
        return doc_id

    def result_path(self, doc_id: str) -> Path:
        return self.out / RESULTS / f"{doc_id}.json"

    def record(self, record: DocRecord, result_json: str | None) -> None:
        """Result file first, then its manifest line; Ctrl-C waits until both are written."""
        with _interrupts_deferred():
            if result_json is not None:
                target = self.result_path(record.doc_id)
                tmp = target.with_suffix(".json.tmp")
                tmp.write_text(result_json + "\n", encoding="utf-8")
                os.replace(tmp, target)
            with (self.out / MANIFEST).open("a", encoding="utf-8") as fh:
                fh.write(record.model_dump_json() + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            self.records[record.sha256] = record

    def ok_records(self) -> list[DocRecord]:
        return sorted((r for r in self.records.values() if r.status == "ok"), key=lambda r: r.doc_id)

    def write_annotations(self) -> None:
        tmp = self.out / (ANNOTATIONS + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            for record in self.ok_records():
                path = self.result_path(record.doc_id)
                if not path.is_file():
                    continue
                for row in _span_rows(json.loads(path.read_text(encoding="utf-8")), record.doc_id):
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        os.replace(tmp, self.out / ANNOTATIONS)

    def summary(self, version: str, invocation: Invocation) -> Summary:
        records = list(self.records.values())
        figures, rules, severities = Counter(), Counter(), Counter()
        for record in records:
            if record.status == "ok":
                figures.update(record.figures)
                rules.update(record.findings)
                severities.update(record.severities)
        statuses = Counter(r.status for r in records)
        failures = [{"doc_id": r.doc_id, "origin": r.origin, "status": r.status, "reason": r.reason}
                    for r in sorted(records, key=lambda r: r.doc_id) if r.status != "ok"]
        return Summary(
            pipeline_version=version, written=_now(), invocation=invocation,
            documents={"total": len(records), **{s: statuses.get(s, 0) for s in ("ok", "failed", "error")}},
            figures={"total": sum(figures.values()), **dict(sorted(figures.items()))},
            findings_by_rule=dict(sorted(rules.items())),
            findings_by_severity=dict(sorted(severities.items())),
            failures=failures,
        )

    def write_summary(self, summary: Summary) -> None:
        (self.out / SUMMARY).write_text(summary.model_dump_json(indent=2) + "\n", encoding="utf-8")


def _span_rows(result: dict, doc_id: str) -> Iterator[dict]:
    """annotations.jsonl lines: one flat record per figure (read from the JSON, no re-validation of every result)."""
    for figure in result.get("figures", []):
        yield {
            "doc_id": doc_id, "sha256": result["document"]["sha256"], "id": figure["id"], "page": figure.get("page"),
            "char_start": figure["start"], "char_end": figure["end"], "text": figure["text"],
            "label": label_for_kind(figure["kind"]), "value": figure["value"], "unit": figure["unit"],
            "approximate": figure.get("approximate", False), "subject": figure.get("subject"),
            "change": figure.get("change"), "part_of": figure.get("part_of"), "metric": figure.get("metric"),
            "source": figure.get("source", "rules"),
        }


class ProgressSink:
    """What a run reports as it goes (the CLI draws a progress bar; tests pass nothing)."""

    def start(self, total: int) -> None: ...

    def advance(self, record: DocRecord) -> None: ...

    def stop(self) -> None: ...


def annotate(
    paths: list[Path],
    out: Path,
    workers: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    spec: PipelineSpec = DEFAULT_SPEC,
    force: bool = False,
    progress: ProgressSink | None = None,
    on_record: Callable[[DocRecord], None] | None = None,
) -> Summary:
    """Run the pipeline over every document under `paths`, writing into `out`. Raises InputError, EngineError."""
    progress = progress or ProgressSink()
    workers = workers or os.cpu_count() or 1
    items = discover(paths)
    _check_extractor(spec)
    folder = RunFolder(out)
    version = pipeline_version(spec)
    invocation = Invocation(engine=engine, workers=workers, inputs=len(items))
    todo = _plan(items, folder, version, force, invocation)
    runner = make_engine(engine, workers, spec, scheduler)
    with runner:
        began = time.perf_counter()
        progress.start(len(todo))
        try:
            for outcome in runner.map(_tasks(todo, invocation)):
                item, doc_id = todo[outcome.sha256]
                record = _record(outcome, item, doc_id, version)
                folder.record(record, outcome.result_json if record.status == "ok" else None)
                invocation.processed += 1
                invocation.failed += record.status != "ok"
                progress.advance(record)
                if on_record:
                    on_record(record)
        except KeyboardInterrupt:
            invocation.interrupted = True
            raise
        finally:
            progress.stop()
            invocation.seconds = round(time.perf_counter() - began, 3)
            invocation.docs_per_s = round(invocation.processed / invocation.seconds, 3) if invocation.seconds else 0.0
            folder.write_annotations()
            summary = folder.summary(version, invocation)
            folder.write_summary(summary)
    return summary


def _check_extractor(spec: PipelineSpec) -> None:
    """An extractor whose model is missing fails here, once, not in every worker on every document."""
    extractor = dict(spec.options).get("extractor")
    if extractor is None:
        return
    from service.nlp.extractors import ExtractorUnavailable, nlp_for

    try:
        nlp_for(extractor)
    except ExtractorUnavailable as error:
        raise InputError(str(error)) from None


def _plan(items, folder: RunFolder, version: str, force: bool, invocation: Invocation) -> dict:
    """sha256 → (item, doc_id) of what this run must analyze; counts what it skips."""
    todo: dict[str, tuple[InputItem, str]] = {}
    for item in items:
        try:
            sha = hashlib.sha256(item.read()).hexdigest()
        except OSError as error:
            invocation.unreadable_inputs.append(f"{item.origin}: {error.strerror or error}")
            continue
        if sha in todo:
            invocation.duplicates += 1
        elif folder.is_done(sha, version) and not force:
            invocation.skipped += 1
        else:
            todo[sha] = (item, folder.doc_id_for(sha, item.doc_id_hint))
    return todo


def _tasks(todo: dict, invocation: Invocation) -> Iterator[Task]:
    for sha, (item, _) in todo.items():
        try:
            data = item.read()
        except OSError as error:  # removed or locked between planning and now
            invocation.unreadable_inputs.append(f"{item.origin}: {error.strerror or error}")
            continue
        yield Task(sha256=sha, source_name=item.source_name, data=data)


def _record(outcome: Outcome, item: InputItem, doc_id: str, version: str) -> DocRecord:
    status, reason = outcome.status, outcome.reason
    if outcome.pipeline_version != version:
        status, reason = "error", f"worker runs pipeline {outcome.pipeline_version}, this run {version}"
    return DocRecord(
        sha256=outcome.sha256, doc_id=doc_id, origin=item.origin, source_name=item.source_name,
        pipeline_version=version, status=status, reason=reason, seconds=round(outcome.seconds, 3),
        figures=outcome.figures if status == "ok" else {}, findings=outcome.findings if status == "ok" else {},
        severities=outcome.severities if status == "ok" else {}, finished=_now(),
    )
