"""Vocabularies as data: each `<name>.toml` beside this file, loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@cache
def load(name: str) -> dict:
    return tomllib.loads((_HERE / f"{name}.toml").read_text(encoding="utf-8"))


def section_keywords() -> list[str]:
    """Every heading keyword of both templates: what splits a one-line report into its sections."""
    sections = load("sections")["section"]
    return [k for section in sections for k in (*section["keywords"], *section.get("pre_2019_keywords", ()))]
