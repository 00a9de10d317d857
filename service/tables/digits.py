"""Run-together digits (D1): every way a run such as "640020470" can be cut into a row's cells.

A run is a list of tokens (whitespace in the source is a boundary that is certain); each token is cut into one or
more pieces, and every piece must read as a number a report would print: no leading zero unless it is "0", a
decimal point only inside a piece. Which cut is right is for the identities to decide (`mapping.resolve`).
"""

from __future__ import annotations

from collections.abc import Iterator

MAX_PIECE_DIGITS = 9
MAX_CANDIDATES = 200_000
"""Beyond this many cuts a run is reported ambiguous without testing them all."""


class TooManySplits(Exception):
    pass


def _valid(piece: str) -> bool:
    if not piece or piece.startswith(".") or piece.endswith("."):
        return False
    whole = piece.split(".")[0]
    if len(whole) > 1 and whole.startswith("0"):
        return False
    return len(piece.replace(".", "")) <= MAX_PIECE_DIGITS and piece.count(".") <= 1


def _cuts(token: str, pieces: int) -> Iterator[tuple[str, ...]]:
    if pieces == 1:
        if _valid(token):
            yield (token,)
        return
    for i in range(1, len(token) - pieces + 2):
        head = token[:i]
        if _valid(head):
            for rest in _cuts(token[i:], pieces - 1):
                yield (head, *rest)


def splits(tokens: list[str], cells: int) -> list[tuple[str, ...]]:
    """All ways to cut the tokens into exactly `cells` numbers, in order."""
    tokens = [t for t in tokens if t]
    found: list[tuple[str, ...]] = []

    def walk(index: int, left: int, prefix: tuple[str, ...]) -> None:
        if index == len(tokens):
            if left == 0:
                found.append(prefix)
                if len(found) > MAX_CANDIDATES:
                    raise TooManySplits
            return
        remaining_tokens = len(tokens) - index - 1
        token = tokens[index]
        for pieces in range(1, min(len(token), left - remaining_tokens) + 1):
            for cut in _cuts(token, pieces):
                walk(index + 1, left - pieces, prefix + cut)

    if len(tokens) > cells:
        return []
    walk(0, cells, ())
    return found


def as_number(piece: str) -> int | float:
    return float(piece) if "." in piece else int(piece)
