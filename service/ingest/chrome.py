"""Drop web-page chrome (breadcrumbs, share buttons, download links) around a report body. Vocabulary is data."""

from __future__ import annotations

from service.lexicon import load


def strip_chrome(text: str) -> tuple[str, int]:
    """Return the text without leading/trailing chrome, and how many characters were cut from the front."""
    chrome = load("chrome")
    cut_front = 0
    head = text[: chrome["lead_window"]]
    if any(head.lstrip().startswith(word) for word in chrome["lead_start"]):
        ends = [head.rfind(word) + len(word) for word in chrome["lead_end"] if word in head]
        if ends:
            cut_front = max(ends)
    end = len(text)
    tail_from = max(cut_front, len(text) - chrome["tail_window"])
    for word in chrome["tail_start"]:
        pos = text.find(word, tail_from)
        if pos != -1:
            end = min(end, pos)
    return text[cut_front:end], cut_front
