"""The spaCy pipeline that reads figures: `spacy.blank("zh")` with a jieba segmenter and one component per layer.

    tokenizer          jieba + the domain user dictionary; token boundaries forced at every number-grammar match,
                       so a figure span always aligns with tokens (jieba glues "万条", "十三件")
    nianbao_sentences  sentence starts at 。！？ and line breaks
    figure_rules       the number grammar → doc.spans["figures_rules"]
    (a trained NER)    may be added here later, writing doc.spans["figures_model"] (or doc.ents)
    figure_merge       model spans first, rule spans where the model found nothing → doc.spans["figures"]
    figure_subjects    what each figure counts → span._.subject
    figure_relations   totals and parts (其中, 等), changes (较去年增加), shares (占) → span._.part_of, ...
    figure_metrics     the table cell a figure speaks about → span._.metric

Every later component reads only doc.spans["figures"], so the rules and a statistical model are interchangeable
sources. Build once per process with `get_nlp()`.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from functools import cache

import jieba
import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import get_words_and_spaces

from service.nlp.lexicon import USER_DICT
from service.nlp.numbers import find_numbers

FIGURES = "figures"
RULE_FIGURES = "figures_rules"
MODEL_FIGURES = "figures_model"
FIGURE_LABEL = "FIGURE"
SENTENCE_ENDS = set("。！？!?")
SPAN_ATTRS = {
    "value": None, "unit": "", "kind": "count", "approximate": False, "subject": None, "change": None,
    "part_of": None, "parts_open": False, "refers_to": None, "relation": None, "metric": None, "rule": None,
    "source": "rules",
}
for _name, _default in SPAN_ATTRS.items():
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


class FigureTokenizer:
    """jieba segmentation with the domain dictionary, split further at figure boundaries."""

    def __init__(self, vocab):
        self.vocab = vocab
        jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict" lines would go to every CLI user's stderr
        self.jieba = jieba.Tokenizer()
        self.jieba.load_userdict(str(USER_DICT))

    def __call__(self, text: str) -> Doc:
        cuts = sorted({offset for match in find_numbers(text) for offset in (match.start, match.end)})
        words, pos = [], 0
        for word in self.jieba.cut(text, HMM=True):
            end = pos + len(word)
            inner = cuts[bisect_right(cuts, pos):bisect_left(cuts, end)]
            for a, b in zip([pos, *inner], [*inner, end]):
                words.append(text[a:b])
            pos = end
        words, spaces = get_words_and_spaces([w for w in words if w], text)
        return Doc(self.vocab, words=words, spaces=spaces)

    def to_bytes(self, **_kwargs) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_kwargs) -> FigureTokenizer:
        return self

    def to_disk(self, _path, **_kwargs) -> None:
        return None

    def from_disk(self, _path, **_kwargs) -> FigureTokenizer:
        return self


@spacy.registry.tokenizers("nianbao.figure_tokenizer.v1")
def create_figure_tokenizer():
    def make(nlp: Language) -> FigureTokenizer:
        return FigureTokenizer(nlp.vocab)

    return make


@Language.component("nianbao_sentences")
def nianbao_sentences(doc: Doc) -> Doc:
    starts, start_next = [], True
    for token in doc:
        starts.append(1 if start_next else -1)
        start_next = token.text in SENTENCE_ENDS or "\n" in token.text
    # one array write: setting token.is_sent_start one token at a time re-scans the doc each time (quadratic)
    doc.from_array([SENT_START], numpy.array(starts, dtype="int64").astype("uint64").reshape(-1, 1))
    return doc


@Language.component("figure_rules")
def figure_rules(doc: Doc) -> Doc:
    spans = []
    for match in find_numbers(doc.text):
        span = doc.char_span(match.start, match.end, label=FIGURE_LABEL, alignment_mode="expand")
        if span is None:
            continue
        span._.value, span._.unit, span._.kind = match.value, match.unit, match.kind
        span._.approximate, span._.source = match.approximate, "rules"
        spans.append(span)
    doc.spans[RULE_FIGURES] = spans
    return doc


@Language.component("figure_merge")
def figure_merge(doc: Doc) -> Doc:
    """Model spans win; a rule span is kept where no model span overlaps it. Model spans get values by the grammar."""
    model = list(doc.spans.get(MODEL_FIGURES, [])) + [e for e in doc.ents if e.label_ == FIGURE_LABEL]
    merged = []
    for span in model:
        read = find_numbers(span.text)
        if not read:
            continue
        span._.value, span._.unit, span._.kind = read[0].value, read[0].unit, read[0].kind
        span._.approximate = read[0].approximate
        span._.source = span._.source if span._.source != "rules" else "model"  # a component may name itself
        merged.append(span)
    taken = [(s.start_char, s.end_char) for s in merged]
    merged += [s for s in doc.spans.get(RULE_FIGURES, [])
               if not any(a < s.end_char and s.start_char < b for a, b in taken)]
    doc.spans[FIGURES] = sorted(merged, key=lambda s: s.start_char)
    return doc


@cache
def get_nlp() -> Language:
    """The pipeline, built once per process."""
    return build_nlp()


def build_nlp() -> Language:
    """A fresh pipeline (tests and training add components to their own copy, e.g. a trained NER before
    `figure_merge` that writes doc.spans["figures_model"])."""
    from service.nlp import metrics, relations, subjects  # noqa: F401  (registers the components)

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"@tokenizers": "nianbao.figure_tokenizer.v1"}}})
    for name in ("nianbao_sentences", "figure_rules", "figure_merge", "figure_subjects", "figure_relations",
                 "figure_metrics"):
        nlp.add_pipe(name)
    return nlp
