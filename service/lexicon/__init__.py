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
    return [k for section in load("sections")["section"] for k in section["keywords"]]
