"""`figure_metrics`: link a figure to the table cell or derived group it speaks about (issue 4 item 4, R6, X1–X14).

The phrasings are data (`lexicon/metrics.toml`): the first entry whose `lead` matches the figure's clause (the words
before it, and the words after it up to the next clause mark) wins. Parts of a linked total whose words name an
applicant type or a review outcome are linked to that column of the total's row (before their own phrasing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from service.nlp.context import STRONG_BOUNDARIES, lead, previous_end, sentence_of, tail, text_of
from service.nlp.lexicon import load
from service.nlp.pipeline import FIGURES
from service.text import fold


@dataclass(frozen=True)
class MetricRule:
    key: str
    rule: str
    lead: re.Pattern
    context: re.Pattern | None


@cache
def metric_rules() -> tuple[list[MetricRule], re.Pattern, dict[str, list[tuple[str, re.Pattern]]]]:
    lex = load("metrics")
    rules = [MetricRule(m["key"], m["rule"], re.compile(m["lead"]), re.compile(m["context"]) if m.get("context")
                        else None) for m in lex["metric"]]
    columns = {table: [(col, re.compile(words)) for col, words in cols.items()]
               for table, cols in lex["columns"].items()}
    return rules, re.compile(lex["exclude"]), columns


def rule_for_metric(key: str) -> str | None:
    return next((r.rule for r in metric_rules()[0] if r.key == key), None)


@Language.component("figure_metrics")
def figure_metrics(doc: Doc) -> Doc:
    figures = list(doc.spans[FIGURES])
    rules, exclude, _columns = metric_rules()
    for i, span in enumerate(figures):
        if span._.kind != "count" or span._.relation in ("change", "share"):
            continue
        clause = lead(doc, span, previous_end(figures, i), STRONG_BOUNDARIES) + " " + tail(doc, span)
        if exclude.search(clause):
            continue
        sent = sentence_of(span)
        sentence = fold(text_of(doc)[sent.start_char:sent.end_char])
        for rule in rules:
            if rule.lead.search(clause) and (rule.context is None or rule.context.search(sentence)):
                span._.metric, span._.rule = rule.key, rule.rule
                break
    for i, span in enumerate(figures):
        _link_column(doc, figures, i)
        _unlink_parts_of_other_counts(figures, span)
    return doc


def _unlink_parts_of_other_counts(figures: list[Span], span: Span) -> None:
    """"制发政府信息313条，其中…不予公开55条" counts information items, not applications: a part of a total that
    speaks about no table cell does not speak about one either."""
    if span._.part_of is not None and span._.relation == "part" and not figures[span._.part_of]._.metric:
        span._.metric = span._.rule = None


def _link_column(doc: Doc, figures: list[Span], i: int) -> None:
    span = figures[i]
    if span._.part_of is None:
        return
    total = figures[span._.part_of]
    if not total._.metric:
        return
    table, row, _col = total._.metric.split(".")
    clause = lead(doc, span, previous_end(figures, i)) + " " + tail(doc, span)
    for col, words in metric_rules()[2].get(table, []):
        if words.search(clause):
            span._.metric, span._.rule = f"{table}.{row}.{col}", total._.rule
            return
