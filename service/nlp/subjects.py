"""`figure_subjects`: what each figure counts, as written (政务动态, 公众监督留言, 依申请公开答复, 政务新媒体)."""

from __future__ import annotations

import re
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from service.nlp.context import CLAUSE_BOUNDARIES, lead_start, previous_end, tail_end, text_of, tokens_within
from service.nlp.lexicon import load
from service.nlp.pipeline import FIGURES
from service.text import fold


@cache
def _words() -> dict:
    lex = load("relations")
    return {
        "verbs": set(lex["verbs"]),
        "prefixes": sorted(lex["subject_strip_prefixes"] + load("metrics")["scope_words"] + lex["scope_prefixes"],
                           key=len, reverse=True),
        "suffixes": sorted(lex["subject_strip_suffixes"], key=len, reverse=True),
        "forward_stops": set(lex["forward_stops"]) | set(lex["verbs"]),
        "list_ends": tuple(lex["subject_list_ends"]),
    }


_SUBJECT_BOUNDARIES = CLAUSE_BOUNDARIES - {"、"}
_LEADING_YEAR = re.compile(r"^\d{4}\s*年度?")


@Language.component("figure_subjects")
def figure_subjects(doc: Doc) -> Doc:
    figures = list(doc.spans[FIGURES])
    for i, span in enumerate(figures):
        if span._.kind in ("percent", "pp_change", "duration"):
            continue
        # a noun right after the measure word is what is counted ("29 个政务新媒体", "4个领域250余家单位"); else the
        # words before the number ("发布信息 6116 条")
        next_start = figures[i + 1].start_char if i + 1 < len(figures) else len(text_of(doc))
        span._.subject = forward_subject(doc, span, next_start) or \
            backward_subject(doc, span, previous_end(figures, i))
    return doc


def backward_subject(doc: Doc, span: Span, stop_at: int) -> str | None:
    # 、 joins the nouns of one subject ("媒体通气、新闻发布会 17 场"); a list of figures is kept apart by stop_at
    start = lead_start(doc, span, stop_at, _SUBJECT_BOUNDARIES)
    words = _words()
    tokens = tokens_within(doc, start, span.start_char)
    verbs = [t for t in tokens if t.text in words["verbs"]]
    if not verbs:
        return _trim(fold(text_of(doc)[start:span.start_char]))
    after_last = _trim(fold(text_of(doc)[verbs[-1].idx + len(verbs[-1].text):span.start_char]))
    if after_last:
        return after_last
    # nothing between the verb and the number ("访问量达108932人次", "动态类信息发布 1744 条"): the words before it
    before = verbs[-2].idx + len(verbs[-2].text) if len(verbs) > 1 else start
    return _trim(fold(text_of(doc)[before:verbs[-1].idx]))


def forward_subject(doc: Doc, span: Span, next_figure_start: int) -> str | None:
    """Number before the noun (E03, "29 个政务新媒体正常运营"): the words after the figure up to a verb, a stop or the
    next figure."""
    end = min(tail_end(doc, span), next_figure_start)
    stops = _words()["forward_stops"]
    out = []
    for token in doc[span.end:]:
        if token.idx >= end or token.text in stops:
            break
        out.append(token.text_with_ws)
    return _trim(fold("".join(out)))


def _trim(text: str) -> str | None:
    cut = max(text.rfind(end) for end in _words()["list_ends"])
    if 0 <= cut < len(text) - 1:
        text = text[cut + 1:]
    modifier = text.rfind("的")  # "民众关心的其他信息", "政府信息公开的行政复议案件": the noun after its modifier
    if 0 <= modifier < len(text) - 2:
        text = text[modifier + 1:]
    text = _LEADING_YEAR.sub("", text.strip(" \t\u3000“”\"'《》<>、"))
    changed = True
    while changed and text:
        changed = False
        for word in _words()["prefixes"]:
            if text.startswith(word):
                text, changed = text[len(word):].lstrip(), True
        for word in _words()["suffixes"]:
            if text and text.endswith(word):
                text, changed = text[: -len(word)].rstrip(), True
    text = text.strip(" \t\u3000“”\"'")
    return text or None
