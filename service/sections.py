"""The six standard sections, found by heading keywords (format-spec §2, D11, D12), not by position."""

from __future__ import annotations

from service.document import Document
from service.lexicon import load
from service.pipeline import STAGES, Analysis
from service.result import Section
from service.text import compact


def classify_heading(text: str, pre_2019: bool = False) -> tuple[int, str] | None:
    """(section number, canonical title) for a heading, or None when it names no standard section. A pre-2019
    report's headings also match the older template's words."""
    key = compact(text)
    for section in load("sections")["section"]:
        words = [*section["keywords"], *(section.get("pre_2019_keywords", ()) if pre_2019 else ())]
        if any(compact(word) in key for word in words):
            return section["number"], section["title"]
    return None


def find_sections(document: Document, pre_2019: bool = False) -> list[Section]:
    found: list[tuple[int, str, int]] = []
    seen: set[int] = set()
    for block in document.blocks:
        if block.kind != "heading":
            continue
        match = classify_heading(document.text[block.start: block.end], pre_2019)
        if match and match[0] not in seen:
            seen.add(match[0])
            found.append((match[0], match[1], block.start))
    found.sort(key=lambda item: item[2])
    sections = []
    for i, (number, title, start) in enumerate(found):
        end = found[i + 1][2] if i + 1 < len(found) else len(document.text)
        sections.append(Section(number=number, title=title, start=start, end=end))
    return sorted(sections, key=lambda s: s.number)


@STAGES.register("sections")
def sections_stage(analysis: Analysis) -> None:
    from service.findings import Finding

    analysis.sections = find_sections(analysis.document, pre_2019=analysis.info.template == "pre-2019")
    missing = sorted({1, 2, 3, 4, 5, 6} - {s.number for s in analysis.sections})
    if missing:
        names = "、".join(str(n) for n in missing)
        analysis.findings.append(Finding(
            rule="SECTIONS", severity="info",
            message_zh=f"未找到标准章节：第{names}部分（标题不规范或缺失）。",
            message_en=f"Standard sections not found by their headings: {', '.join(map(str, missing))}.",
            data={"missing": missing},
        ))
