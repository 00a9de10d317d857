"""spaCy `DocBin` (.spacy): the training format. Spans become `doc.ents` and the `figures` span group.

Tokens come from the tokenizer the figures pipeline and the trained model share (blank zh, jieba with the domain
dictionary, cut at number-grammar boundaries). A span whose edges fall inside a token is widened to token edges
(`alignment_mode="expand"`); such spans are counted, because a widened training span teaches a wrong boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, DocBin
from spacy.util import filter_spans

from service.batch.spans import AnnotatedDoc
from service.nlp.ner_component import blank_zh

SPAN_GROUP = "figures"


@dataclass
class DocBinStats:
    docs: int = 0
    spans: int = 0
    widened: int = 0
    overlapping: int = 0


def to_doc(nlp, annotated: AnnotatedDoc, stats: DocBinStats) -> Doc:
    doc = nlp.make_doc(annotated.text)
    spans = []
    for span in annotated.spans:
        char_span = doc.char_span(span.start, span.end, label=span.label, alignment_mode="expand")
        if char_span is None:
            continue
        if (char_span.start_char, char_span.end_char) != (span.start, span.end):
            stats.widened += 1
        spans.append(char_span)
    ents = filter_spans(spans)
    stats.overlapping += len(spans) - len(ents)
    doc.ents = ents
    doc.spans[SPAN_GROUP] = spans
    doc.user_data["doc_id"] = annotated.doc_id
    doc.user_data["meta"] = annotated.meta
    stats.docs += 1
    stats.spans += len(spans)
    return doc


def to_docbin(docs: list[AnnotatedDoc], nlp=None) -> tuple[DocBin, DocBinStats]:
    nlp = nlp or blank_zh()
    stats = DocBinStats()
    docbin = DocBin(store_user_data=True)
    for annotated in docs:
        docbin.add(to_doc(nlp, annotated, stats))
    return docbin, stats


def read_docbin(data: bytes, nlp=None) -> list[Doc]:
    nlp = nlp or blank_zh()
    return list(DocBin().from_bytes(data).get_docs(nlp.vocab))
