"""Training: windows of text with labelled spans → a fitted checkpoint folder. Seeded, CPU, time-bounded."""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from service.nlp.transformer.model import (
    Architecture,
    Checkpoint,
    architecture_of,
    batch_tensors,
    load_checkpoint,
    new_checkpoint,
    save_checkpoint,
)
from service.nlp.transformer.tags import LabeledSpan, spans_to_tags, tags_to_spans
from service.nlp.transformer.tokenizer import CharTokenizer

IGNORE = -100


@dataclass
class Example:
    """One window of text and its labelled spans (offsets into `text`)."""

    text: str
    spans: list[LabeledSpan]


@dataclass
class TrainSettings:
    seed: int = 13
    epochs: int = 30
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_share: float = 0.06
    weight_decay: float = 0.01
    digit_swap: float = 0.5
    """Share of windows whose digits are redrawn at random each epoch, so the model reads context, not numbers."""
    time_budget_s: float = 280.0
    """Training stops after the epoch that crosses this budget (the checkpoint is still complete)."""
    architecture: Architecture = field(default_factory=Architecture)


@dataclass
class TrainReport:
    epochs_run: int
    seconds: float
    train_windows: int
    final_loss: float
    parameters: int
    architecture: dict


def train(examples: list[Example], out_dir: Path, settings: TrainSettings, vocabulary_texts: list[str],
          init: Path | None = None, extra_settings: dict | None = None,
          progress: Callable[[str], None] | None = None) -> TrainReport:
    """Train from scratch (vocabulary from `vocabulary_texts`) or fine-tune the checkpoint at `init`; save to out_dir."""
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    if init is not None:
        checkpoint = load_checkpoint(init, for_training=True)
    else:
        checkpoint = new_checkpoint(CharTokenizer.build(vocabulary_texts), settings.architecture)
    model, pad_id = checkpoint.model, checkpoint.tokenizer.pad_id
    examples = [e for e in examples if e.text]
    rng = random.Random(settings.seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    steps = settings.epochs * math.ceil(len(examples) / settings.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_linear(steps, settings.warmup_share))
    began, epochs_run, loss_value = time.monotonic(), 0, float("nan")
    model.train()
    for _ in range(settings.epochs):
        data = [_encode(_swap_digits(e, rng) if rng.random() < settings.digit_swap else e, checkpoint)
                for e in examples]
        losses = [_step(model, batch, pad_id, optimizer, schedule)
                  for batch in _length_buckets(data, settings.batch_size, rng)]
        epochs_run += 1
        loss_value = sum(losses) / max(1, len(losses))
        if progress:
            progress(f"epoch {epochs_run}: loss {loss_value:.4f}, {time.monotonic() - began:.0f} s")
        if time.monotonic() - began > settings.time_budget_s:
            break
    model.eval()
    report = TrainReport(epochs_run=epochs_run, seconds=round(time.monotonic() - began, 1), train_windows=len(examples),
                         final_loss=round(loss_value, 4), parameters=sum(p.numel() for p in model.parameters()),
                         architecture=architecture_of(checkpoint))
    save_checkpoint(out_dir, checkpoint, {"seed": settings.seed, **(extra_settings or {})})
    return report


def _encode(example: Example, checkpoint: Checkpoint) -> tuple[list[int], list[int], list[int]]:
    ids, classes = checkpoint.encode(example.text)
    labels = [IGNORE, *spans_to_tags(len(ids) - 2, example.spans), IGNORE]
    return ids, classes, labels


def _length_buckets(data: list, batch_size: int, rng: random.Random) -> list[list]:
    """Batches of windows of similar length (little padding), in random order."""
    keyed = sorted(data, key=lambda item: (len(item[0]), rng.random()))
    batches = [keyed[i: i + batch_size] for i in range(0, len(keyed), batch_size)]
    rng.shuffle(batches)
    return batches


def _swap_digits(example: Example, rng: random.Random) -> Example:
    """The same window with each ASCII digit redrawn (a leading digit stays non-zero); spans keep their offsets."""
    def redraw(m: re.Match) -> str:
        digits = m.group()
        first = str(rng.randint(1, 9)) if digits[0] != "0" else "0"
        return first + "".join(str(rng.randint(0, 9)) for _ in digits[1:])

    return Example(re.sub(r"\d+", redraw, example.text), example.spans)


def _step(model, batch: list[tuple[list[int], list[int], list[int]]], pad_id: int, optimizer, schedule) -> float:
    inputs = batch_tensors([(ids, classes) for ids, classes, _ in batch], pad_id)
    labels = torch.full(inputs["input_ids"].shape, IGNORE, dtype=torch.long)
    for row, (_, _, seq) in enumerate(batch):
        labels[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
    loss = model(**inputs, labels=labels).loss
    optimizer.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    schedule.step()
    return loss.item()


def _warmup_then_linear(total: int, warmup_share: float):
    warmup = max(1, int(total * warmup_share))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def span_scores(gold: list[list[LabeledSpan]], predicted: list[list[str]]) -> dict[str, dict[str, float]]:
    """Exact-span precision/recall/F1 per label, tags predicted for the same windows as `gold`."""
    scores = {}
    for label in {s.label for spans in gold for s in spans}:
        tp = fp = fn = 0
        for spans, tags in zip(gold, predicted):
            g = {s for s in spans if s.label == label}
            p = {s for s in tags_to_spans(tags) if s.label == label}
            tp, fp, fn = tp + len(g & p), fp + len(p - g), fn + len(g - p)
        precision, recall = tp / max(1, tp + fp), tp / max(1, tp + fn)
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        scores[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}
    return scores
