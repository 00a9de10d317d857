"""The trained figure NER (scripts/train_ner.py → models/ner-figures/) as a component of the figures pipeline.

The model is a spaCy `ner` trained on the figures tokenizer (jieba + number-grammar boundaries), label `FIGURE`.
`add_trained_ner(nlp)` sources it into a figures pipeline right after `figure_rules`; its entities land in
`doc.ents`, where `figure_merge` takes model spans first and keeps the rule spans nothing overlaps (the rules stay
the backstop, and every model span gets its value, unit and kind from the number grammar). The figures stage uses
it when the `spacy` (or `ensemble`) extractor is chosen (service/nlp/extractors.py). Nothing is downloaded: without
a model folder that extractor is unavailable.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language

NER_PIPE = "figure_ner"
FIGURE_LABEL = "FIGURE"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "ner-figures"
TOKENIZER_CONFIG = {"nlp": {"tokenizer": {"@tokenizers": "nianbao.figure_tokenizer.v1"}}}


def blank_zh() -> Language:
    """A blank zh pipeline with the figures tokenizer: what exports, training and the model share."""
    import service.nlp.pipeline  # noqa: F401  (registers nianbao.figure_tokenizer.v1)

    return spacy.blank("zh", config=TOKENIZER_CONFIG)


def model_dir() -> Path | None:
    return MODEL_DIR if (MODEL_DIR / "meta.json").is_file() else None


@lru_cache(maxsize=4)
def load_model(path: str) -> Language:
    import service.nlp.pipeline  # noqa: F401  (the model's config names the figures tokenizer)

    return spacy.load(path)


def add_trained_ner(nlp: Language, path: Path | None = None, after: str = "figure_rules") -> bool:
    """Add the trained NER to a figures pipeline when a model is installed; returns whether it was added."""
    path = path or model_dir()
    if path is None or NER_PIPE in nlp.pipe_names:
        return False
    nlp.add_pipe("ner", name=NER_PIPE, source=load_model(str(path)), after=after)
    return True
