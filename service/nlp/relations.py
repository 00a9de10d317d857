"""`figure_relations`: how the figures of a sentence relate (issue 4 item 3, format-spec X11–X13).

* totals and parts: "6116 条，其中信息公开 2540 条、政务动态 3431 条" → the parts' `part_of` is the total's index;
  a list ending in 等, or going on without figures, is open (`parts_open` on the total); "办结 1191 件（含上年结转
  189 件）" names what a total includes (`relation` "included"); with no 其中, items of the total's head noun that add
  up to within 10% of it are its parts ("主动公开政府信息364条，人事信息17条，…");
* changes: "较去年增加 31%" → `change` increase, `refers_to` the figure it changes;
* shares: "占 45.3%" or "59 件（45.3%）" → `relation` "share", `refers_to` the counted figure.
Indices point into doc.spans["figures"].
"""

from __future__ import annotations

import re
from functools import cache

from spacy.language import Language
from spacy.tokens import Doc, Span

from service.nlp.context import previous_sentence_start, sentence_of, text_of, tokens_between
from service.nlp.lexicon import load
from service.nlp.pipeline import FIGURES
from service.text import fold

_SENTENCE_END = "。！？!?"
_LONG_CLAUSE_AFTER_SEMICOLON = 12
_IMPLICIT_SUM_TOLERANCE = 0.1
_HEAD_NOUN_CHARS = 2
_ITEM_GAP = re.compile(r"[，,、]\s*[^，,；;。]*")
"""Between two items of an unmarked list: a comma, then the next item's name (which may join nouns with 、)."""
_SIMPLE_ITEM_GAP = re.compile(r"[，,、]\s*[^，,、；;。]*")
"""The same without 、 inside a name: a list held together only by a shared noun (信息) must be plain, since a
name such as "政策、规范性文件类信息" may start a list of categories rather than continue a breakdown."""
_OPEN_BRACKET = re.compile(r"[（(][^）)]*$")
"""A 其中 inside a bracket opened after the total and not closed yet."""


@cache
def _words() -> dict:
    lex = load("relations")
    alt = lambda words: "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))  # noqa: E731
    column_words = "|".join(v for table in load("metrics")["columns"].values() for v in table.values())
    return {
        "part": re.compile(rf"(?:{alt(lex['part_markers'])})|涉及(?={column_words})"),
        "inclusive": re.compile(rf"[（(][^）)]*?(?:{alt(lex['inclusive_markers'])})"),
        "open": tuple(lex["open_markers"]),
        "new_total": re.compile(alt(lex["new_total_markers"])),
        "change_marker": re.compile(alt(lex["change_markers"])),
        "increase": re.compile(rf"(?:{alt(lex['increase_verbs'])})了?\s*$"),
        "decrease": re.compile(rf"(?:{alt(lex['decrease_verbs'])})了?\s*$"),
        "share": re.compile(rf"(?:{alt(lex['share_markers'])})\s*$"),
        "verbs": set(lex["verbs"]),
    }


@Language.component("figure_relations")
def figure_relations(doc: Doc) -> Doc:
    figures = list(doc.spans[FIGURES])
    for i in range(len(figures)):
        _mark_share_or_change(doc, figures, i)
    _mark_parts(doc, figures)
    _mark_unmarked_breakdowns(doc, figures)
    return doc


def _gap(doc: Doc, figures: list[Span], i: int) -> str:
    start = figures[i - 1].end_char if i > 0 else 0
    return fold(text_of(doc)[start:figures[i].start_char])


def _mark_share_or_change(doc: Doc, figures: list[Span], i: int) -> None:
    span, words = figures[i], _words()
    gap = _gap(doc, figures, i)
    clause = re.split(r"[，,；;。！？!?\n]", gap)[-1]
    direction = _direction(clause) if words["change_marker"].search(clause) else None
    if direction and span._.kind in ("percent", "pp_change", "count"):
        span._.change, span._.relation = direction, "change"
        span._.refers_to = _previous_count(figures, i, doc)
        return
    if span._.kind == "percent" and i > 0 and (words["share"].search(clause) or re.fullmatch(r"\s*[（(]\s*", gap)):
        previous = figures[i - 1]
        if previous._.kind == "count" and sentence_of(previous).start == sentence_of(span).start:
            span._.relation, span._.refers_to = "share", i - 1
        elif words["share"].search(clause):
            named = _count_named_by(doc, figures, i, words["share"].sub("", clause))
            if named is not None:
                span._.relation, span._.refers_to = "share", named


def _direction(clause: str) -> str | None:
    if _words()["increase"].search(clause):
        return "increase"
    return "decrease" if _words()["decrease"].search(clause) else None


def _count_named_by(doc: Doc, figures: list[Span], i: int, words: str) -> int | None:
    """"…其中主动公开政府信息198条…。主动公开的政府信息占41.5%。": the share names its count by the same words."""
    wanted = _plain(words)
    lower = previous_sentence_start(figures[i])
    for j in range(i - 1, -1, -1):
        if figures[j].start < lower:
            break
        if figures[j]._.kind == "count" and wanted and _plain(_gap(doc, figures, j).split("，")[-1]) == wanted:
            return j
    return None


def _plain(text: str) -> str:
    return re.sub(r"[\s的]|^.*[,，;；:：]|其中", "", fold(text))


def _previous_count(figures: list[Span], i: int, doc: Doc) -> int | None:
    for j in range(i - 1, -1, -1):
        if figures[j]._.kind == "count" and figures[j]._.relation is None:
            return j if figures[j].start >= previous_sentence_start(figures[i]) else None
    return None


def _mark_parts(doc: Doc, figures: list[Span]) -> None:
    words = _words()
    i = 0
    while i < len(figures):
        if figures[i]._.part_of is not None:
            i += 1
            continue
        gap = _gap(doc, figures, i)
        owner = _inclusive_owner(doc, figures, i)
        if owner is not None:
            parts = _parenthesised_parts(doc, figures, i)
            for p in parts:
                figures[p]._.part_of, figures[p]._.relation = owner, "included"
            i = parts[-1] + 1
            continue
        marker = words["part"].search(gap)
        if marker and _is_counted(figures[i]) and not _crosses_two_sentences(gap[:marker.start()]):
            in_bracket = bool(_OPEN_BRACKET.search(fold(gap[:marker.start()])))
            parts, goes_on = _collect_parts(doc, figures, i, in_bracket)
            total = _choose_total(doc, figures, i, parts)
            every = _same_unit_to_sentence_end(doc, figures, i)
            every_total = _choose_total(doc, figures, i, every)
            if every_total is not None and len(every) > len(parts) and \
                    abs(figures[every_total]._.value - sum(figures[p]._.value for p in every)) < 1e-9:
                parts, goes_on, total = every, False, every_total
            if total is not None:
                for p in parts:
                    figures[p]._.part_of, figures[p]._.relation = total, "part"
                if figures[total]._.relation is None:
                    figures[total]._.relation = "total"
                # parts counted in another measure word ("信息1812条，其中行政规范性文件13件…") are a selection
                figures[total]._.parts_open = goes_on or _list_is_open(doc, figures, parts) or \
                    figures[total]._.unit != figures[i]._.unit
                i += 1
                continue
        i += 1


def _inclusive_owner(doc: Doc, figures: list[Span], i: int) -> int | None:
    """"1191 件（含上年结转 189 件）", "319 件（26.78%，含…157 件）": the count the parenthesis follows."""
    if figures[i]._.kind != "count":
        return None
    j = i - 1
    while j >= 0 and figures[j]._.kind == "percent":
        j -= 1
    if j < 0 or figures[j]._.kind != "count" or figures[j]._.relation not in (None, "total", "part"):
        return None
    between = fold(text_of(doc)[figures[j].end_char:figures[i].start_char])
    opened = _words()["inclusive"].search(between)
    adjacent = opened is not None and not between[:opened.start()].strip()
    return j if adjacent and not re.search(r"[）)]", between[opened.end():]) else None


def _parenthesised_parts(doc: Doc, figures: list[Span], first: int) -> list[int]:
    parts = [first]
    for j in range(first + 1, len(figures)):
        gap = _gap(doc, figures, j)
        if re.search(r"[）)。]", gap) or figures[j]._.unit != figures[first]._.unit or \
                _words()["new_total"].search(gap):
            break
        parts.append(j)
    return parts


def _is_counted(span: Span) -> bool:
    return span._.kind in ("count", "money") and span._.relation is None


def _crosses_two_sentences(text: str) -> bool:
    return sum(text.count(c) for c in _SENTENCE_END) > 1


def _collect_parts(doc: Doc, figures: list[Span], first: int, bracketed: bool = False) -> tuple[list[int], bool]:
    """The figures after a 其中 that list parts: same unit as the first, up to a new total, a new breakdown or 。
    (or the closing bracket, when the 其中 stands in brackets: "36件（其中：自然人申请32件、企业申请2件…），上年结转7件").

    Returns the parts and whether the list goes on past them without figures ("…2 件；2024 年度部门预算…"), which
    leaves it open.
    """
    words, unit, parts, items_without_figures = _words(), figures[first]._.unit, [first], False
    for j in range(first + 1, len(figures)):
        span, gap = figures[j], _gap(doc, figures, j)
        if bracketed and re.search(r"[）)]", gap):
            break
        if span._.kind == "percent" or span._.relation in ("share", "change"):
            continue
        clauses = re.split(r"[；;]", gap)
        items_without_figures = items_without_figures or len(clauses) > 2
        lead = re.split(r"[，,；;：:、]", gap)[-1]
        if span._.unit != unit and not any(c in gap for c in _SENTENCE_END):
            continue  # "其中微博29个，共发布信息1992条；微信公众号41个…": the parts go on past other measures
        if any(c in gap for c in _SENTENCE_END) or _starts_new_total(lead):
            break
        if words["inclusive"].search(gap) or _inclusive_owner(doc, figures, j) is not None:
            continue
        if len(clauses) > 1 and (_starts_breakdown(doc, figures, j) or _is_new_statement(doc, span, clauses[-1])):
            return parts, True
        parts.append(j)
    return parts, items_without_figures


def _starts_new_total(lead: str) -> bool:
    """"…；共发布信息1992条" and "市政府网站共采用672条" start a new total; in "…其他信息共计2004条" the marker right
    before the number, after the item's name, is the item's own count."""
    lead = lead.strip()
    marker = _words()["new_total"].search(lead)
    return marker is not None and (marker.start() == 0 or marker.end() < len(lead))


def _same_unit_to_sentence_end(doc: Doc, figures: list[Span], first: int) -> list[int]:
    """Every plain figure of the first part's unit up to the end of its sentence (a candidate list of parts that
    is kept only when it adds up exactly to a total: "其中区直各部门…1592条，占76.9%；各乡镇…477条，占23.1%")."""
    unit, parts = figures[first]._.unit, [first]
    for j in range(first + 1, len(figures)):
        span = figures[j]
        if any(c in _gap(doc, figures, j) for c in _SENTENCE_END):
            break
        if span._.unit == unit and span._.relation is None and not span._.approximate:
            parts.append(j)
    return parts


def _starts_breakdown(doc: Doc, figures: list[Span], j: int) -> bool:
    end = figures[j + 1].start_char if j + 1 < len(figures) else sentence_of(figures[j]).end_char
    return bool(_words()["part"].search(fold(text_of(doc)[figures[j].end_char:end])))


def _is_new_statement(doc: Doc, span: Span, clause: str) -> bool:
    """A clause after ； that is long and has a verb states something new rather than the next part."""
    if len(clause.strip()) <= _LONG_CLAUSE_AFTER_SEMICOLON:
        return False
    start = span.start_char - len(clause)
    return any(t in _words()["verbs"] for t in tokens_between(doc, start, span.start_char))


def _choose_total(doc: Doc, figures: list[Span], first: int, parts: list[int]) -> int | None:
    """The figure the parts break down: same unit first; the one they sum to, else the nearest."""
    sent_start = sentence_of(figures[first]).start
    lower = previous_sentence_start(figures[first])
    candidates = [j for j in range(first - 1, -1, -1)
                  if figures[j].start >= lower and _is_total_candidate(figures[j])]
    current = [j for j in candidates if sentence_of(figures[j]).start == sent_start]
    pool = current or candidates
    if not pool:
        return None
    total_of_parts = sum(figures[p]._.value for p in parts)
    same_unit = [j for j in pool if figures[j]._.unit == figures[first]._.unit] or pool
    for j in same_unit:
        if abs(figures[j]._.value - total_of_parts) < 1e-9:
            return j
    return same_unit[0]


def _is_total_candidate(span: Span) -> bool:
    return span._.kind in ("count", "money") and span._.relation in (None, "total") and span._.part_of is None


def _list_is_open(doc: Doc, figures: list[Span], parts: list[int]) -> bool:
    """等 right after the last part ("…其他信息 145 条等") leaves the list open; so does a text that ends before the
    sentence does (an excerpt cut off mid-list: "…重点领域公开栏目发布信息51条、概况类信息更新")."""
    open_words = _words()["open"]
    last = figures[parts[-1]]
    text = text_of(doc)
    after = fold(text[last.end_char:last.end_char + 3]).lstrip()
    return after.startswith(open_words) or all(text.find(c, last.end_char) < 0 for c in _SENTENCE_END)


def _mark_unmarked_breakdowns(doc: Doc, figures: list[Span]) -> None:
    """"主动公开政府信息364条，人事信息17条，…类信息308条，…" (no 其中): a count followed in its sentence by
    comma-separated items of the same unit that either name the same noun (信息; two or more, adding up to within
    10%) or, whatever they name, are three or more that add up to it exactly ("…82条，机构领导…3条，规划计划2条，…4条，
    其他信息73条")."""
    for i, total in enumerate(figures):
        if not _is_counted(total) or total._.part_of is not None:
            continue
        items = _comma_items(doc, figures, i)
        same_noun = _naming_the_same_noun(doc, figures, total, items)
        if len(same_noun) >= 2 and abs(_sum(figures, same_noun) - total._.value) <= \
                _IMPLICIT_SUM_TOLERANCE * total._.value:
            parts = same_noun
        elif len(items) >= 3 and total._.value > 0 and abs(_sum(figures, items) - total._.value) < 1e-9:
            parts = items
        else:
            continue
        total._.relation = "total"
        for j in parts:
            figures[j]._.part_of, figures[j]._.relation = i, "part"


def _comma_items(doc: Doc, figures: list[Span], i: int) -> list[int]:
    """The counts after figure i in its sentence, in its unit, each in its own comma-separated clause."""
    total, items = figures[i], []
    for j in range(i + 1, len(figures)):
        span, gap = figures[j], _gap(doc, figures, j)
        if sentence_of(span).start != sentence_of(total).start or span._.unit != total._.unit or \
                not _ITEM_GAP.fullmatch(gap.strip()) or not _is_counted(span):
            break
        items.append(j)
    return items


def _sum(figures: list[Span], indexes: list[int]) -> float:
    return sum(figures[j]._.value for j in indexes)


def _naming_the_same_noun(doc: Doc, figures: list[Span], total: Span, items: list[int]) -> list[int]:
    """The leading items with plain names (no 、 inside) whose subjects end in the total's head noun."""
    head = (total._.subject or "")[-_HEAD_NOUN_CHARS:]
    same = []
    for j in items:
        plain = _SIMPLE_ITEM_GAP.fullmatch(_gap(doc, figures, j).strip())
        if not head or not plain or not (figures[j]._.subject or "").endswith(head):
            break
        same.append(j)
    return same
