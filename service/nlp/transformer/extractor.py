"""The transformer extractor: figure spans and their subjects, read from a text by the trained tagger.

Same contract as the rules: spans with offsets into the text, value/unit/kind read by the number grammar
(`service.nlp.numbers`); a predicted span the grammar cannot read is dropped. torch is imported only when a model is
loaded, once per process per checkpoint folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from service.nlp.numbers import NumberMatch, find_numbers
from service.nlp.transformer.tags import LabeledSpan, tags_to_spans
from service.nlp.transformer.windows import windows

MODEL_DIR = Path(__file__).resolve().parents[3] / "models" / "transformer-figures"
SUBJECTLESS_KINDS = ("percent", "pp_change", "duration")
_SUBJECT_GAP_STOPS = set("。！？!?；;\n")


@dataclass(frozen=True)
class FigureSpan:
    start: int
    end: int
    text: str
    value: int | float
    unit: str
    kind: str
    approximate: bool
    subject: str | None = None
    subject_start: int | None = None
    subject_end: int | None = None
    source: str = "transformer"


class TransformerExtractor:
    name = "transformer"

    def __init__(self, model_dir: Path | str = MODEL_DIR, batch_size: int = 32):
        from service.nlp.transformer.model import Tagger

        self.tagger = Tagger(Path(model_dir), batch_size=batch_size)

    def tag_spans(self, text: str) -> list[LabeledSpan]:
        """Every FIGURE and SUBJECT span the model predicts, offsets into `text`; one batch of windows per call."""
        bounds = windows(text, self.tagger.max_chars)
        tagged = self.tagger.tag([text[a:b] for a, b in bounds])
        spans = [_strip(text, LabeledSpan(a + s.start, a + s.end, s.label))
                 for (a, _), tags in zip(bounds, tagged) for s in tags_to_spans(tags)]
        return [s for s in spans if s.start < s.end]

    def extract(self, text: str) -> list[FigureSpan]:
        spans = self.tag_spans(text)
        subjects = [s for s in spans if s.label == "SUBJECT"]
        grammar = find_numbers(text)
        figures = [f for f in (read_figure(text, s, grammar) for s in spans if s.label == "FIGURE") if f is not None]
        return [pair_subject(text, f, subjects, figures) for f in _without_overlaps(figures)]


def _without_overlaps(figures: list[FigureSpan]) -> list[FigureSpan]:
    kept: list[FigureSpan] = []
    for figure in sorted(figures, key=lambda f: (f.start, -f.end)):
        if not kept or kept[-1].end <= figure.start:
            kept.append(figure)
    return kept


def _strip(text: str, span: LabeledSpan) -> LabeledSpan:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return LabeledSpan(start, end, span.label)


def read_figure(text: str, span: LabeledSpan, grammar: list[NumberMatch]) -> FigureSpan | None:
    """A predicted span read by the number grammar; None where it holds no number.

    The model says where a figure is; the grammar reads it. Where the grammar (run over the whole text) accepted a
    figure the span overlaps, that figure's extent, value and unit are taken, so "通知[公告47条]" reads as "47条".
    Where it accepted none (the model's own find), the span's text is read as it stands.
    """
    overlapping = [m for m in grammar if m.start < span.end and span.start < m.end]
    if overlapping:
        m = max(overlapping, key=lambda m: min(m.end, span.end) - max(m.start, span.start))
        return FigureSpan(m.start, m.end, text[m.start:m.end], m.value, m.unit, m.kind, m.approximate)
    piece = text[span.start:span.end]
    read = find_numbers(piece)
    if not read:
        return None
    m = read[0]
    return FigureSpan(span.start, span.end, piece, m.value, m.unit, m.kind, m.approximate)


def pair_subject(text: str, figure: FigureSpan, subjects: list[LabeledSpan], figures: list[FigureSpan]) -> FigureSpan:
    """The nearest predicted subject in the figure's sentence with no other figure between (before wins a tie)."""
    if figure.kind in SUBJECTLESS_KINDS:
        return figure
    best, best_gap = None, None
    for subject in subjects:
        gap_start, gap_end = (subject.end, figure.start) if subject.end <= figure.start else (figure.end, subject.start)
        if gap_start > gap_end or _SUBJECT_GAP_STOPS & set(text[gap_start:gap_end]):
            continue
        if any(gap_start <= other.start and other.end <= gap_end for other in figures):
            continue
        gap = gap_end - gap_start + (0 if subject.end <= figure.start else 0.5)
        if best_gap is None or gap < best_gap:
            best, best_gap = subject, gap
    if best is None:
        return figure
    return FigureSpan(**{**figure.__dict__, "subject": text[best.start:best.end], "subject_start": best.start,
                         "subject_end": best.end})


@lru_cache(maxsize=4)
def load_extractor(model_dir: str | None = None) -> TransformerExtractor:
    """The extractor for a checkpoint folder (default: models/transformer-figures), built once per process."""
    path = Path(model_dir) if model_dir else MODEL_DIR
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"no transformer model at {path}; train one with scripts/train_transformer.py")
    return TransformerExtractor(path)


def model_available(model_dir: Path = MODEL_DIR) -> bool:
    return (model_dir / "config.json").is_file()
