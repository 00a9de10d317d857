"""The `figures` stage: run the NLP pipeline over the narrative and fill `analysis.figures`."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc, Span

from service.findings import Finding
from service.nlp.context import sentence_of
from service.nlp.extractors import nlp_for
from service.nlp.pipeline import FIGURES, get_nlp
from service.pipeline import STAGES, Analysis
from service.result import Figure

MAX_NARRATIVE_CHARS = 1_000_000
"""Far above any real report (the longest in the corpora is under 20,000 characters); text beyond it is not read for
figures, and a finding says so, rather than holding a worker for minutes."""


@STAGES.register("figures")
def extract_figures(analysis: Analysis) -> None:
    extractor = analysis.options.get("extractor")
    text = analysis.document.text
    if len(text) > MAX_NARRATIVE_CHARS:
        analysis.findings.append(Finding(
            rule="FIGURES", severity="warning",
            message_zh=f"正文长达 {len(text)} 个字符，超过上限 {MAX_NARRATIVE_CHARS}，"
                       f"只读取了前 {MAX_NARRATIVE_CHARS} 个字符中的数字。",
            message_en=f"The narrative has {len(text)} characters, over the limit of {MAX_NARRATIVE_CHARS}; figures were "
                       f"read from the first {MAX_NARRATIVE_CHARS} only.",
            data={"code": "narrative_too_long", "chars": len(text), "limit": MAX_NARRATIVE_CHARS},
        ))
        text = text[:MAX_NARRATIVE_CHARS]
    doc = (nlp_for(extractor) if extractor else get_nlp())(text)
    analysis.figures = figures_from_doc(doc, page_at=analysis.document.page_at)


def figures_from_doc(doc: Doc, page_at: Callable[[int], int | None] = lambda _offset: None) -> list[Figure]:
    spans = list(doc.spans[FIGURES])
    ids = [f"f{i + 1}" for i in range(len(spans))]
    return [_figure(span, ids[i], ids, page_at) for i, span in enumerate(spans)]


def _figure(span: Span, figure_id: str, ids: list[str], page_at: Callable[[int], int | None]) -> Figure:
    def ref(index: int | None) -> str | None:
        return ids[index] if index is not None else None

    return Figure(
        id=figure_id, text=span.text, start=span.start_char, end=span.end_char, page=page_at(span.start_char),
        sentence=(sentence_of(span).start_char, sentence_of(span).end_char), value=span._.value, unit=span._.unit,
        kind=span._.kind, approximate=span._.approximate, subject=span._.subject, change=span._.change,
        part_of=ref(span._.part_of), metric=span._.metric, source=span._.source, relation=span._.relation,
        parts_open=span._.parts_open, refers_to=ref(span._.refers_to), rule=span._.rule,
    )
