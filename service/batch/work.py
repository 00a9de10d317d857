"""What a worker does with one document, on any engine: bytes in, the result JSON (or the reason it failed) out.

Workers get the bytes, never a path, so a Dask worker on another machine needs no shared file system; the client
writes every output file.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from service import __version__

Status = Literal["ok", "failed", "error"]
"""ok: a result; failed: the input cannot be read (IngestError, final for this pipeline version);
error: the pipeline broke on it (retried by the next run)."""

_WARM_UP_TEXT = "某某局2023年政府信息公开工作年度报告\n一、总体情况\n本年度共主动公开政府信息120条，其中政策文件12条。\n"


@dataclass(frozen=True)
class Task:
    sha256: str
    source_name: str
    data: bytes


@dataclass
class Outcome:
    sha256: str
    status: Status
    pipeline_version: str
    seconds: float
    result_json: str | None = None
    reason: str | None = None
    figures: dict[str, int] = field(default_factory=dict)
    findings: dict[str, int] = field(default_factory=dict)
    severities: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PipelineSpec:
    """Which pipeline a run uses: the stage list (None: the default) and `analyze_bytes` options (e.g. extractor)."""

    stages: tuple[str, ...] | None = None
    options: tuple[tuple[str, str], ...] = ()

    def kwargs(self) -> dict:
        return {"stages": list(self.stages) if self.stages else None, "options": dict(self.options)}


DEFAULT_SPEC = PipelineSpec()
_MODELS = Path(__file__).resolve().parents[2] / "models"


def _models_digest() -> str:
    """Content hash of the model folders' small JSON files (config, meta, vocabulary sizes), not of the weights."""
    digest = hashlib.sha256()
    for path in sorted(_MODELS.rglob("*.json")) if _MODELS.is_dir() else []:
        digest.update(str(path.relative_to(_MODELS)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def pipeline_version(spec: PipelineSpec = DEFAULT_SPEC) -> str:
    """The package version, plus a short hash of what else changes the output: stages, options, and the installed
    models when an extractor other than the rules is chosen."""
    if spec == DEFAULT_SPEC:
        return __version__
    extras = {"stages": spec.stages, "options": spec.options}
    if dict(spec.options).get("extractor", "rules") != "rules":
        extras["models"] = _models_digest()
    return f"{__version__}+{hashlib.sha256(json.dumps(extras, sort_keys=True).encode()).hexdigest()[:10]}"


def warm_up(spec: PipelineSpec = DEFAULT_SPEC) -> None:
    """Load everything the pipeline loads lazily (lexicons, spaCy, jieba, models) once per worker process."""
    from service.pipeline import analyze_bytes

    analyze_bytes(_WARM_UP_TEXT.encode("utf-8"), "warm-up.txt", **spec.kwargs())


def analyze_task(task: Task, spec: PipelineSpec = DEFAULT_SPEC) -> Outcome:
    from service.batch.spans import label_for_kind
    from service.ingest import IngestError
    from service.pipeline import analyze_bytes

    version = pipeline_version(spec)
    began = time.perf_counter()
    try:
        result = analyze_bytes(task.data, task.source_name, **spec.kwargs())
    except IngestError as error:
        return Outcome(task.sha256, "failed", version, time.perf_counter() - began, reason=str(error))
    except Exception as error:  # one broken document must not stop a run of thousands
        reason = f"{type(error).__name__}: {error}".splitlines()[0]
        return Outcome(task.sha256, "error", version, time.perf_counter() - began, reason=reason)
    return Outcome(
        task.sha256, "ok", version, time.perf_counter() - began,
        result_json=result.to_json(),
        figures=dict(Counter(label_for_kind(f.kind) for f in result.figures)),
        findings=dict(Counter(f.rule for f in result.findings)),
        severities=dict(Counter(f.severity for f in result.findings)),
    )
