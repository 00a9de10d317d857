"""Which extractor finds the figure spans: a name → the figures pipeline built for it, once per process.

    rules        the number grammar alone
    spacy        the trained spaCy NER (models/ner-figures), the rules as backstop where it finds nothing
    transformer  the transformer tagger (models/transformer-figures) and its subjects, the rules as backstop
    ensemble     a span two of rules / spaCy NER / transformer state exactly overrides the rules; rules elsewhere

Every pipeline shares the later components (subjects, relations, metrics): only the span source differs. The
figures stage picks one by `analysis.options["extractor"]` (`nianbao extract --extractor NAME`).
"""

from __future__ import annotations

from functools import cache

from spacy.language import Language

EXTRACTORS = ("rules", "spacy", "transformer", "ensemble")
DEFAULT_EXTRACTOR = "rules"


class ExtractorUnavailable(ValueError):
    """The extractor's model is not installed (or the name is unknown): one line for the user."""


def available_extractors() -> list[str]:
    """The extractors whose models are installed here."""
    from service.nlp.ner_component import model_dir
    from service.nlp.transformer.extractor import model_available

    ner, transformer = model_dir() is not None, model_available()
    usable = {"rules": True, "spacy": ner, "transformer": transformer, "ensemble": ner and transformer}
    return [name for name in EXTRACTORS if usable[name]]


@cache
def nlp_for(extractor: str) -> Language:
    from service.nlp.ner_component import add_trained_ner, model_dir
    from service.nlp.pipeline import build_nlp
    from service.nlp.transformer import component  # noqa: F401  (registers the transformer components)
    from service.nlp.transformer.extractor import MODEL_DIR, model_available

    if extractor not in EXTRACTORS:
        raise ExtractorUnavailable(f"unknown extractor {extractor!r}; one of {', '.join(EXTRACTORS)}")
    needs_ner, needs_transformer = extractor in ("spacy", "ensemble"), extractor in ("transformer", "ensemble")
    if needs_ner and model_dir() is None:
        raise ExtractorUnavailable(f"extractor {extractor!r} needs the spaCy model: run scripts/train_ner.py")
    if needs_transformer and not model_available():
        raise ExtractorUnavailable(f"extractor {extractor!r} needs {MODEL_DIR.name}: run scripts/train_transformer.py")
    nlp = build_nlp()
    if needs_ner:
        add_trained_ner(nlp)
    if needs_transformer:
        nlp.add_pipe("figure_transformer", before="figure_merge", config={"publish": extractor == "transformer"})
        nlp.add_pipe("figure_model_subjects", after="figure_subjects")
    if extractor == "ensemble":
        nlp.add_pipe("figure_vote", before="figure_merge")
    return nlp
