"""spaCy components that put the transformer into the figures pipeline (service/nlp/pipeline.py).

    figure_transformer      the model's figure spans → doc.spans["figures_transformer"] and, alone, also
                            doc.spans["figures_model"] (figure_merge then keeps rule spans nothing overlaps)
    figure_vote             ensemble: a span two of rules / spaCy NER / transformer agree on exactly → figures_model
    figure_model_subjects   after figure_subjects: a figure the rules gave no subject gets the model's, when the
                            model found that figure (its subjects agree with the rules' on only about a quarter
                            of held-out spans, so the rules' subject stays where there is one)

Registering these imports no torch; the model loads when the first doc passes (load_extractor, cached).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from service.nlp.pipeline import FIGURE_LABEL, FIGURES, MODEL_FIGURES, RULE_FIGURES

TRANSFORMER_FIGURES = "figures_transformer"
SUBJECTS_KEY = "transformer_subjects"


class FigureTransformer:
    def __init__(self, model_path: str | None, publish: bool):
        self.model_path = model_path
        self.publish = publish

    def __call__(self, doc: Doc) -> Doc:
        from service.nlp.transformer.extractor import load_extractor

        spans, subjects = [], {}
        for found in load_extractor(self.model_path).extract(doc.text):
            span = doc.char_span(found.start, found.end, label=FIGURE_LABEL, alignment_mode="expand")
            if span is None or any(s.start < span.end and span.start < s.end for s in spans):
                continue
            span._.source = "transformer"
            spans.append(span)
            if found.subject:
                subjects[(span.start_char, span.end_char)] = found.subject
        doc.spans[TRANSFORMER_FIGURES] = spans
        doc.user_data[SUBJECTS_KEY] = subjects
        if self.publish:
            doc.spans[MODEL_FIGURES] = list(spans)
        return doc


@Language.factory("figure_transformer", default_config={"model_path": None, "publish": True})
def make_figure_transformer(nlp: Language, name: str, model_path: str | None, publish: bool) -> FigureTransformer:
    return FigureTransformer(model_path, publish)


@Language.component("figure_vote")
def figure_vote(doc: Doc) -> Doc:
    """Spans at least two sources state exactly; they override the rules in figure_merge, the rest stay rules."""
    sources = {
        "rules": doc.spans.get(RULE_FIGURES, []),
        "spacy": [e for e in doc.ents if e.label_ == FIGURE_LABEL],
        "transformer": doc.spans.get(TRANSFORMER_FIGURES, []),
    }
    voters: dict[tuple[int, int], list[str]] = {}
    for name, spans in sources.items():
        for offsets in dict.fromkeys((s.start_char, s.end_char) for s in spans):
            voters.setdefault(offsets, []).append(name)
    by_offsets = {(s.start_char, s.end_char): s for spans in reversed(sources.values()) for s in spans}
    agreed = sorted((by_offsets[k] for k, names in voters.items() if len(names) >= 2), key=lambda s: s.start_char)
    for span in agreed:
        # Span attributes are stored per (offsets, label): this names the figure whichever source's span is kept.
        span._.source = "+".join(voters[(span.start_char, span.end_char)])
    doc.spans[MODEL_FIGURES] = _without_overlaps(agreed)
    doc.ents = []
    return doc


def _without_overlaps(spans: list) -> list:
    kept = []
    for span in spans:
        if not any(k.start_char < span.end_char and span.start_char < k.end_char for k in kept):
            kept.append(span)
    return kept


@Language.component("figure_model_subjects")
def figure_model_subjects(doc: Doc) -> Doc:
    subjects = doc.user_data.get(SUBJECTS_KEY, {})
    for span in doc.spans[FIGURES]:
        subject = subjects.get((span.start_char, span.end_char))
        if subject and not span._.subject and span._.kind not in ("percent", "pp_change", "duration"):
            span._.subject = subject
    return doc
