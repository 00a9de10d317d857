"""bytes → Document → tables + figures → checks → Result. The one function CLI, API and batch runs call.

A pipeline is a list of stage names; each stage is a function registered under its name that reads what earlier
stages left on the `Analysis` and adds its own layer. Stages never re-read the bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.document import Document
from service.findings import Finding, sort_findings
from service.registry import Registry
from service.result import TABLE_KEYS, DocumentInfo, Figure, Result, Section, TableResult

STAGES: Registry = Registry(
    "stage",
    modules=[
        "service.sections",
        "service.metadata",
        "service.nlp.stage",
        "service.tables.stage",
        "service.checks.stage",
    ],
)

DEFAULT_STAGES = ["ingest_notes", "metadata", "sections", "tables", "figures", "checks"]


@dataclass
class Analysis:
    """The state a pipeline run builds up, one layer per stage."""

    document: Document
    info: DocumentInfo
    sections: list[Section] = field(default_factory=list)
    tables: dict[str, TableResult | None] = field(default_factory=lambda: {k: None for k in TABLE_KEYS})
    figures: list[Figure] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    history: list[Result] = field(default_factory=list)
    """Results of the same agency's other reports (other years), when a store supplies them."""
    options: dict = field(default_factory=dict)

    def to_result(self) -> Result:
        return Result(
            document=self.info,
            sections=self.sections,
            text=self.document.text,
            tables=self.tables,
            figures=self.figures,
            findings=sort_findings(self.findings),
        )


@STAGES.register("ingest_notes")
def ingest_notes(analysis: Analysis) -> None:
    """What the backend could not read becomes findings, so silence is never mistaken for a clean report."""
    from service.findings import Evidence

    for note in analysis.document.notes:
        evidence = [Evidence(kind="page", page=note.page)] if note.page else []
        analysis.findings.append(
            Finding(rule="INGEST", severity=note.severity, message_zh=note.message_zh,
                    message_en=note.message_en, evidence=evidence, data={"code": note.code})
        )


def analyze_document(
    document: Document,
    stages: list[str] | None = None,
    history: list[Result] | None = None,
    options: dict | None = None,
) -> Result:
    src = document.source
    info = DocumentInfo(sha256=src.sha256, source_name=src.source_name, format=src.format, pages=src.pages)
    analysis = Analysis(document=document, info=info, history=history or [], options=options or {})
    for name in stages or DEFAULT_STAGES:
        STAGES.get(name)(analysis)
    return analysis.to_result()


def analyze_bytes(data: bytes, source_name: str, **kwargs) -> Result:
    """Raises `service.ingest.IngestError` for input that cannot be read at all."""
    from service.ingest import ingest

    return analyze_document(ingest(data, source_name), **kwargs)
