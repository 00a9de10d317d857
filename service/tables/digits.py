"""Run-together digits (D1): the ways a run such as "640020470" can be cut into a row's cells.

A run is a list of tokens (whitespace in the source is a boundary that is certain); each token is cut into one or
more pieces, and every piece must read as a number a report would print: no leading zero unless it is "0", a
decimal point only inside a piece. Rows of tables 三 and 四 end each group of cells with its total (R3, R10–R12), so
those cuts are generated with the total fixed by the parts, which keeps even long runs cheap; which of the remaining
cuts is right is for the identities across rows to decide (`mapping.resolve_jointly`).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

MAX_PIECE_DIGITS = 9
MAX_CANDIDATES = 20_000
"""Beyond this many cuts a run is reported ambiguous without listing them all."""


class TooManySplits(Exception):
    pass


@cache
def _valid(piece: str) -> bool:
    if not piece or piece.startswith(".") or piece.endswith(".") or piece.count(".") > 1:
        return False
    whole = piece.split(".")[0]
    return not (len(whole) > 1 and whole.startswith("0")) and len(piece.replace(".", "")) <= MAX_PIECE_DIGITS


class _Run:
    def __init__(self, tokens: list[str]):
        tokens = [t for t in tokens if t]
        self.text = "".join(tokens)
        ends, at = set(), 0
        for token in tokens:
            at += len(token)
            ends.add(at)
        self.bounds = frozenset(ends - {len(self.text)})
        """Offsets where one token ends and the next begins: a cut must fall there, a piece must not cross it."""

    def pieces_from(self, pos: int, max_len: int = MAX_PIECE_DIGITS + 1) -> Iterator[tuple[int, str]]:
        for end in range(pos + 1, min(len(self.text), pos + max_len) + 1):
            piece = self.text[pos:end]
            if _valid(piece):
                yield end, piece
            if end in self.bounds:
                return

    def ends_cleanly(self, pos: int, end: int) -> bool:
        return not any(pos < b < end for b in self.bounds)


def count_cuts(tokens: list[str], cells: int) -> int:
    run = _Run(tokens)

    @cache
    def ways(pos: int, left: int) -> int:
        if left == 0:
            return 1 if pos == len(run.text) else 0
        return sum(ways(end, left - 1) for end, _ in run.pieces_from(pos))

    return ways(0, cells)


def splits(tokens: list[str], cells: int, groups: list[int] | None = None) -> list[tuple[str, ...]]:
    """The cuts of the tokens into exactly `cells` numbers. With `groups` (sizes summing to `cells`), the last
    number of each group must equal the sum of the others in it, as 总计 does."""
    run = _Run(tokens)
    if groups is None and count_cuts(tokens, cells) > MAX_CANDIDATES:
        raise TooManySplits
    if groups == [cells]:
        return _total_last(run, cells)
    closing = set()
    if groups:
        at = 0
        for size in groups:
            at += size
            closing.add(at - 1)
    found: list[tuple[str, ...]] = []

    def walk(pos: int, index: int, partial: int, prefix: tuple[str, ...]) -> None:
        left = cells - index
        rest = len(run.text) - pos
        if left == 0:
            if rest == 0:
                found.append(prefix)
                if len(found) > MAX_CANDIDATES:
                    raise TooManySplits
            return
        if rest < left or rest > left * MAX_PIECE_DIGITS:
            return
        if groups and rest < left - 1 + len(str(partial)):
            return  # the group's total alone would need more digits than are left
        if index in closing:
            piece = str(partial)
            end = pos + len(piece)
            if run.text.startswith(piece, pos) and run.ends_cleanly(pos, end):
                walk(end, index + 1, 0, prefix + (piece,))
            return
        for end, piece in run.pieces_from(pos):
            if groups and "." in piece:
                continue
            walk(end, index + 1, partial + (int(piece) if groups else 0), prefix + (piece,))

    walk(0, 0, 0, ())
    return found


def _total_last(run: _Run, cells: int) -> list[tuple[str, ...]]:
    """One group ending in its total (a table-三 row): try each suffix as the total, then cut the rest into parts
    that sum to it; no part can be longer than the total, which prunes long runs early."""
    found: list[tuple[str, ...]] = []
    text = run.text
    for length in range(1, min(MAX_PIECE_DIGITS, len(text)) + 1):
        start = len(text) - length
        total_piece = text[start:]
        if _valid(total_piece) and "." not in total_piece and run.ends_cleanly(start, len(text)):
            for parts in _parts_summing_to(run, start, cells - 1, int(total_piece)):
                found.append((*parts, total_piece))
                if len(found) > MAX_CANDIDATES:
                    raise TooManySplits
    return found


def _parts_summing_to(run: _Run, stop: int, count: int, total: int) -> Iterator[tuple[str, ...]]:
    """Cuts of run.text[:stop] into `count` integers that sum to `total`."""
    width = len(str(total))

    def walk(pos: int, left: int, partial: int) -> Iterator[tuple[str, ...]]:
        rest = stop - pos
        if left == 0:
            if rest == 0 and partial == total:
                yield ()
            return
        if rest < left or rest > left * width:
            return
        widest = -(-rest // left)  # some part has at least this many digits, so is at least 10^(widest-1)
        if widest > 1 and total - partial < 10 ** (widest - 1):
            return
        if total - partial >= left * 10 ** (rest - left + 1):
            return  # even the longest possible part could not make up what is missing
        for end, piece in run.pieces_from(pos, max_len=min(width, rest - left + 1)):
            if end > stop or "." in piece:
                break
            value = int(piece)
            if partial + value > total:
                break
            for tail in walk(end, left - 1, partial + value):
                yield (piece, *tail)

    return walk(0, count, 0)


def as_number(piece: str) -> int | float:
    return float(piece) if "." in piece else int(piece)
