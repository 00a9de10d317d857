"""The character tokenizer: one id per character of the `fold()`ed text, so token i is character i of the input.

The vocabulary is a BERT-style `vocab.txt` (one token per line, special tokens first) built from the project's
corpora and saved with the model. A checkpoint that brings its own `vocab.txt` (a Chinese BERT tokenizes Chinese
per character) is read through the same mapping: characters it lacks become [UNK].
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from service.text import fold

PAD, UNK, CLS, SEP, MASK, SPACE = "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[SPACE]"
SPECIAL_TOKENS = (PAD, UNK, CLS, SEP, MASK, SPACE)
VOCAB_FILE = "vocab.txt"
CHAR_CLASSES = ("other", "digit", "chinese_numeral", "unit", "punctuation", "space")
"""Character classes fed as BERT token types: with little data they tell the model which characters behave alike."""
_CHINESE_NUMERALS = set("零〇一二两三四五六七八九十百千万亿")


@cache
def _unit_chars() -> frozenset[str]:
    from service.nlp.lexicon import load

    lex = load("numbers")
    words = [*lex["count_units"], *lex["money_units"], *lex["duration_units"], *lex["percent_signs"],
             *lex["approx_suffixes"]]
    return frozenset(w[0] for w in words)


def char_class(ch: str) -> int:
    if ch.isspace():
        return CHAR_CLASSES.index("space")
    if ch.isdigit() and ch.isascii():
        return CHAR_CLASSES.index("digit")
    if ch in _CHINESE_NUMERALS:
        return CHAR_CLASSES.index("chinese_numeral")
    if ch in _unit_chars():
        return CHAR_CLASSES.index("unit")
    if unicodedata.category(ch).startswith("P"):
        return CHAR_CLASSES.index("punctuation")
    return CHAR_CLASSES.index("other")


class CharTokenizer:
    def __init__(self, tokens: list[str]):
        missing = [t for t in (PAD, UNK, CLS, SEP) if t not in tokens]
        if missing:
            raise ValueError(f"vocabulary lacks the special tokens {missing}")
        self.tokens = tokens
        self.index = {token: i for i, token in enumerate(tokens)}
        self.pad_id, self.unk_id = self.index[PAD], self.index[UNK]
        self.cls_id, self.sep_id = self.index[CLS], self.index[SEP]
        self.space_id = self.index.get(SPACE, self.unk_id)

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> CharTokenizer:
        counts = Counter(ch for text in texts for ch in fold(text) if not ch.isspace())
        chars = sorted(ch for ch, n in counts.items() if n >= min_count)
        return cls([*SPECIAL_TOKENS, *chars])

    @classmethod
    def from_dir(cls, path: Path) -> CharTokenizer:
        lines = (Path(path) / VOCAB_FILE).read_text(encoding="utf-8").split("\n")
        return cls([line for line in lines if line])

    def save(self, path: Path) -> None:
        (Path(path) / VOCAB_FILE).write_text("\n".join(self.tokens) + "\n", encoding="utf-8")

    def __len__(self) -> int:
        return len(self.tokens)

    def char_id(self, ch: str) -> int:
        if ch.isspace():
            return self.space_id
        return self.index.get(ch, self.index.get(ch.lower(), self.unk_id))

    def encode(self, text: str) -> list[int]:
        """[CLS] + one id per character + [SEP]."""
        return [self.cls_id, *(self.char_id(ch) for ch in fold(text)), self.sep_id]


def encode_classes(text: str) -> list[int]:
    """The token type of each position of `CharTokenizer.encode(text)`."""
    return [0, *(char_class(ch) for ch in fold(text)), 0]
