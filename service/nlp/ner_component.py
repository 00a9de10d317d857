"""The trained figure NER model (scripts/train_ner.py → models/ner-figures/) as a spaCy pipeline component.

`figure_ner` runs the trained model over the doc and puts the spans it predicts into the `figures_model` span
group; the figures stage merges them with the rule spans (rules first: a model span is kept only where no rule span
overlaps it). Nothing is downloaded: when the model folder is absent the component is simply not added.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc

SPAN_GROUP = "figures"
MODEL_SPAN_GROUP = "figures_model"
MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "ner-figures"
TOKENIZER_CONFIG = {"nlp": {"tokenizer": {"segmenter": "jieba"}}}


def blank_zh() -> Language:
    """The tokenizer every figure component, export and training run shares: spaCy's zh with jieba."""
    return spacy.blank("zh", config=TOKENIZER_CONFIG)


def model_dir() -> Path | None:
    return MODEL_DIR if (MODEL_DIR / "meta.json").is_file() else None


def model_fingerprint() -> str | None:
    """Name and version of the installed model (part of the pipeline version that batch runs resume by)."""
    path = model_dir()
    if path is None:
        return None
    meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
    return f"{meta.get('name', 'ner')}-{meta.get('version', '0')}"


@lru_cache(maxsize=4)
def load_model(path: str) -> Language:
    return spacy.load(path)


class FigureNer:
    """Runs the trained NER over the text and aligns its entities to this doc's tokens."""

    def __init__(self, model_path: str):
        self.model = load_model(model_path)

    def __call__(self, doc: Doc) -> Doc:
        predicted = self.model(doc.text)
        spans = []
        for ent in predicted.ents:
            span = doc.char_span(ent.start_char, ent.end_char, label=ent.label_, alignment_mode="contract")
            if span is not None and len(span):
                spans.append(span)
        doc.spans[MODEL_SPAN_GROUP] = spans
        return doc


@Language.factory("figure_ner", default_config={"model_path": None})
def make_figure_ner(nlp: Language, name: str, model_path: str | None) -> FigureNer:
    path = model_path or (str(model_dir()) if model_dir() else None)
    if path is None:
        raise ValueError("figure_ner: no trained model; run scripts/train_ner.py or leave the component out")
    return FigureNer(path)
