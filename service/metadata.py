"""Agency, report year and publication date, from the title, the sign-off and what the container states."""

from __future__ import annotations

import re

from service.document import Document
from service.pipeline import STAGES, Analysis
from service.text import fold

_TITLE_WORDS = ("年度报告", "年报")
_TITLE_MAX_CHARS = 80
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_CN_DIGITS = str.maketrans("〇○零一二三四五六七八九", "00012345678" + "9")
_CN_DATE = re.compile(r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_SIGN_OFF_WINDOW = 160
PRE_2019_LAST_YEAR = 2018
_AGENCY_SUFFIX = re.compile(r"(人民政府|政府|办公室|办公厅|委员会|管委会|局|厅|委|院|署|中心|街道办事处|街道|镇|乡|所|队|处)$")


def _cn_small_number(text: str) -> int:
    if text.startswith("十"):
        text = "一" + text
    if "十" in text:
        tens, _, ones = text.partition("十")
        return int(tens.translate(_CN_DIGITS)) * 10 + (int(ones.translate(_CN_DIGITS)) if ones else 0)
    return int(text.translate(_CN_DIGITS))


def find_title(document: Document) -> str | None:
    for block in document.blocks[:4]:
        text = document.text[block.start: block.end]
        if any(w in text for w in _TITLE_WORDS) and len(text) <= _TITLE_MAX_CHARS and "。" not in text:
            return re.sub(r"\s+", " ", text).strip()
    return document.hints.get("title")


def agency_from_title(title: str) -> str | None:
    folded = fold(title).replace(" ", "")
    match = re.match(r"^(.+?)(?:19|20)\d{2}年", folded)
    if match and len(match.group(1)) >= 2:
        return match.group(1)
    match = re.match(r"^(?:19|20)\d{2}年度?(.+?)政府信息公开", folded)
    return match.group(1) if match else None


def find_published(document: Document) -> str | None:
    tail = fold(document.text[-_SIGN_OFF_WINDOW:])
    dates = [(int(y), int(m), int(d)) for y, m, d in _DATE.findall(tail)]
    dates += [(int(y.translate(_CN_DIGITS)), _cn_small_number(m), _cn_small_number(d))
              for y, m, d in _CN_DATE.findall(tail)]
    valid = [(y, m, d) for y, m, d in dates if 1 <= m <= 12 and 1 <= d <= 31]
    if valid:
        y, m, d = valid[-1]
        return f"{y:04d}-{m:02d}-{d:02d}"
    hinted = _DATE.search(fold(document.hints.get("published", "")))
    if hinted:
        return f"{int(hinted.group(1)):04d}-{int(hinted.group(2)):02d}-{int(hinted.group(3)):02d}"
    return None


def agency_from_sign_off(document: Document) -> str | None:
    """The agency that signs the report: the short line just before the closing date."""
    tail = fold(document.text[-_SIGN_OFF_WINDOW:])
    match = re.search(r"([^\s。，；：、]{2,40}?)\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月|[〇○零一二三四五六七八九]{4}年)[^。]*$",
                      tail)
    if not match:
        return None
    candidate = re.split(r"[。！？]", match.group(1))[-1]
    return candidate if _AGENCY_SUFFIX.search(candidate) else None


def find_year(title: str | None, document: Document) -> int | None:
    for source in (title or "", fold(document.text[:600])):
        match = _YEAR.search(fold(source))
        if match:
            return int(match.group(1))
    return None


def is_pre_2019(year: int | None, document: Document) -> bool:
    """Reports on 2018 and earlier use the old statistics table (D11), not the 2019/2021 templates."""
    old_table = any("政府信息公开情况统计表" in document.text[b.start: b.end] for b in document.blocks)
    return (year is not None and year <= PRE_2019_LAST_YEAR) or old_table


@STAGES.register("metadata")
def metadata_stage(analysis: Analysis) -> None:
    document, info = analysis.document, analysis.info
    info.title = find_title(document)
    info.agency = (agency_from_title(info.title) if info.title else None) or agency_from_sign_off(document)
    info.year = find_year(info.title, document)
    info.published = find_published(document)
    if is_pre_2019(info.year, document):
        info.template = "pre-2019"
