"""The NLP vocabularies: TOML and text files under `service/nlp/lexicon/`, each loaded once."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).resolve().parent / "lexicon"
USER_DICT = LEXICON_DIR / "userdict.txt"


@cache
def load(name: str) -> dict:
    return tomllib.loads((LEXICON_DIR / f"{name}.toml").read_text(encoding="utf-8"))
