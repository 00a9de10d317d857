"""Number grammar: find the figures a sentence states and read their values (format-spec D13, §9).

Works on `fold()`ed text (full-width digits and signs become ASCII; offsets are unchanged), so callers pass the
original text and get offsets into it. A figure is a number with its measure word, multiplier (万/亿), approximation
words (余/多/近/约/超) and kind; years, dates, legal references, list markers, fixed terms, phone numbers, postcodes
and hotline names are not figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import cn2an

from service.nlp.lexicon import load
from service.text import fold

CN_DIGITS = "零〇一二两三四五六七八九十百千"
_ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DATE_OR_CODE_AFTER = re.compile(r"\s*(?:年|月|日|号|时|点|:\d|-\d|/\d|\.\d|[A-Za-z_])")
_CONTEXT_CHARS = 64
_CODE_BEFORE = re.compile(r"(?:[A-Za-z_/=\-#]|\d[:.]|第\s*|〔|\[|令)$")


@dataclass(frozen=True)
class NumberMatch:
    """One figure found in text: offsets into the text, its value, unit and kind."""

    start: int
    end: int
    text: str
    value: int | float
    unit: str
    kind: str
    approximate: bool
    number_start: int
    number_end: int


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def _grammar() -> dict:
    lex = load("numbers")
    units = {u: "count" for u in lex["count_units"]}
    units.update({u: "money" for u in lex["money_units"]})
    units.update({u: "duration" for u in lex["duration_units"]})
    units.update({u: "pp_change" for u in lex["point_units"]})
    units.update({s: "percent" for s in lex["percent_signs"]})
    day = re.escape(lex["duration_day_unit"]) + "(?=" + _alternation(lex["duration_day_followers"]) + ")"
    pattern = re.compile(
        rf"(?P<pre>(?:{_alternation(lex['approx_prefixes'])})\s*)?"
        rf"(?:(?P<pct>{re.escape(lex['percent_prefix'])})(?P<pctnum>{_ARABIC}|[{CN_DIGITS}点]+)"
        rf"|(?P<num>{_ARABIC}|[{CN_DIGITS}]+)"
        rf"(?:\s*(?P<post1>{_alternation(lex['approx_suffixes'])})(?=\s*(?:{_alternation(list(lex['multipliers']))})))?"
        rf"(?:\s*(?P<mult>{_alternation(list(lex['multipliers']))}))?"
        rf"(?:\s*(?P<post>{_alternation(lex['approx_suffixes'])}))?"
        rf"(?:\s*(?P<unit>{_alternation(list(units))}|{day}))?)"
    )
    return {
        "pattern": pattern,
        "units": units,
        "day": lex["duration_day_unit"],
        "multipliers": lex["multipliers"],
        "approx_followers": tuple(lex["approx_followers"]),
        "unitless_triggers": tuple(sorted(lex["unitless_triggers"], key=len, reverse=True)),
        "fixed_terms": re.compile(_alternation(lex["fixed_terms"])),
        "structural": tuple(lex["structural_nouns"]),
        "hotlines": set(lex["hotline_numbers"]),
    }


def parse_number(text: str) -> int | float:
    """'6,116' → 6116, '4.14万' → 41400, '十三' → 13, '２３' → 23. Raises ValueError for anything else."""
    text = fold(text).replace(",", "").replace(" ", "")
    mult = 1
    for word, factor in sorted(_grammar()["multipliers"].items(), key=lambda kv: -len(kv[0])):
        if text.endswith(word) and len(text) > len(word):
            text, mult = text[: -len(word)], factor
            break
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        value: int | float = float(text) if "." in text else int(text)
    elif re.fullmatch(rf"[{CN_DIGITS}点]+", text):
        value = cn2an.cn2an(text, "smart")
    else:
        raise ValueError(f"not a number: {text!r}")
    return _tidy(value * mult)


def _tidy(value: int | float) -> int | float:
    if isinstance(value, float):
        value = round(value, 6)
        if value.is_integer():
            return int(value)
    return value


def find_numbers(text: str) -> list[NumberMatch]:
    """Every figure stated in `text`, in order. Offsets point into `text` itself."""
    folded = fold(text)
    g = _grammar()
    fixed = [(m.start(), m.end()) for m in g["fixed_terms"].finditer(folded)]
    found = []
    for m in g["pattern"].finditer(folded):
        match = _read_match(m, folded, g, fixed)
        if match is not None:
            found.append(match)
    return found


def _read_match(m: re.Match, folded: str, g: dict, fixed: list[tuple[int, int]]) -> NumberMatch | None:
    if m.group("pct"):
        return _percent_words(m, folded)
    num, unit, mult, post = m.group("num"), m.group("unit") or "", m.group("mult"), m.group("post")
    n_start, n_end = m.start("num"), m.end("num")
    chinese = num[0] in CN_DIGITS
    if any(s < n_end and n_start < e for s, e in fixed):
        return None
    # the tests below look only at the few characters next to the number; a window keeps each match O(1)
    before, after = folded[max(0, n_start - _CONTEXT_CHARS):n_start], folded[m.end():m.end() + _CONTEXT_CHARS]
    if _CODE_BEFORE.search(before.rstrip() if not chinese else before) or _in_brackets(folded, n_start):
        return None
    if not unit and not mult and (chinese or not _unitless_allowed(before, num, g)):
        return None
    if not unit and _DATE_OR_CODE_AFTER.match(folded, m.end()):
        return None
    if chinese and (before.endswith(("“", "\"", "《", "「", "等")) or not _chinese_figure_ok(num, unit, after, g)):
        return None
    if unit == "个" and after.startswith(g["structural"]):
        return None
    try:
        value = parse_number(num) * (g["multipliers"][mult] if mult else 1)
    except ValueError:
        return None
    kind = g["units"].get(unit, "duration" if unit == g["day"] else "count")
    start = m.start("pre") if m.group("pre") else n_start
    approximate = bool(m.group("pre") or post or m.group("post1") or after.lstrip().startswith(g["approx_followers"]))
    return NumberMatch(
        start=start, end=m.end(), text=folded[start:m.end()], value=_tidy(value), unit=_unit_label(unit, kind),
        kind=kind, approximate=approximate, number_start=n_start, number_end=n_end,
    )


def _percent_words(m: re.Match, folded: str) -> NumberMatch | None:
    try:
        value = parse_number(m.group("pctnum").replace("点", ".")) if "点" not in m.group("pctnum") else \
            float(cn2an.cn2an(m.group("pctnum"), "smart"))
    except (ValueError, KeyError):
        return None
    start = m.start("pre") if m.group("pre") else m.start("pct")
    end = m.end("pctnum")
    return NumberMatch(start=start, end=end, text=folded[start:end], value=_tidy(value), unit="%", kind="percent",
                       approximate=bool(m.group("pre")), number_start=m.start("pctnum"), number_end=end)


def _unit_label(unit: str, kind: str) -> str:
    if kind == "percent":
        return "%"
    return unit


def _in_brackets(folded: str, pos: int) -> bool:
    """Inside 〔2021〕 or [2021] (document numbers)."""
    open_at = max(folded.rfind("〔", 0, pos), folded.rfind("[", 0, pos))
    return open_at >= 0 and open_at > max(folded.rfind("〕", 0, pos), folded.rfind("]", 0, pos)) and pos - open_at < 8


def _unitless_allowed(before: str, num: str, g: dict) -> bool:
    if num in g["hotlines"] or (len(num) == 4 and num.startswith(("19", "20"))):
        return False
    return before.rstrip().endswith(g["unitless_triggers"])


def _chinese_figure_ok(num: str, unit: str, after: str, g: dict) -> bool:
    if not unit or num in ("一", "两") or unit in ("类",):
        return False
    if after.lstrip().startswith(("“", "\"", "《", "「")):
        return False  # a slogan's name: 按照“五个…”要求
    return not (unit + after).startswith(g["structural"]) and not after.startswith(g["structural"])
