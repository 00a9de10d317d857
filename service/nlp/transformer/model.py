"""The model: a small `BertForTokenClassification` over the character tokenizer, saved as a plain checkpoint folder.

This is the only module (with `train.py`) that imports torch and transformers; nothing imports it until a
transformer extractor is asked for. Loading never touches the network (`local_files_only`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path

import numpy as np
import torch
from transformers import BertConfig, BertForTokenClassification

from service.nlp.transformer.tags import TAGS
from service.nlp.transformer.tokenizer import CHAR_CLASSES, CharTokenizer, encode_classes

THREADS_ENV = "NIANBAO_TORCH_THREADS"
"""torch threads while tagging (default 1): the windows are small, so threads inside one matrix product cost more
than they give; run documents in parallel instead (nianbao annotate --workers)."""
SETTINGS_FILE = "nianbao.json"
"""What the extractor needs besides the weights: window length, whether token types carry character classes."""


@dataclass
class Architecture:
    hidden_size: int = 160
    num_hidden_layers: int = 3
    num_attention_heads: int = 4
    intermediate_size: int = 512
    max_chars: int = 126
    """Characters per window; position embeddings cover these plus [CLS] and [SEP]."""


@dataclass
class Checkpoint:
    model: BertForTokenClassification
    tokenizer: CharTokenizer
    max_chars: int
    char_classes: bool
    """Token type ids carry `CHAR_CLASSES` (our models); a foreign checkpoint reads all-zero token types."""

    def encode(self, text: str) -> tuple[list[int], list[int]]:
        text = text[: self.max_chars]
        ids = self.tokenizer.encode(text)
        return ids, encode_classes(text) if self.char_classes else [0] * len(ids)


def label_maps() -> dict:
    return {"num_labels": len(TAGS), "id2label": dict(enumerate(TAGS)), "label2id": {t: i for i, t in enumerate(TAGS)}}


def new_checkpoint(tokenizer: CharTokenizer, arch: Architecture) -> Checkpoint:
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=arch.hidden_size, num_hidden_layers=arch.num_hidden_layers,
        num_attention_heads=arch.num_attention_heads, intermediate_size=arch.intermediate_size,
        max_position_embeddings=arch.max_chars + 2, type_vocab_size=len(CHAR_CLASSES), pad_token_id=tokenizer.pad_id,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, **label_maps(),
    )
    return Checkpoint(BertForTokenClassification(config), tokenizer, arch.max_chars, char_classes=True)


def load_checkpoint(path: Path, for_training: bool = False) -> Checkpoint:
    """A checkpoint folder: ours, or any BERT checkpoint with a `vocab.txt` (read character by character).

    A checkpoint with another label set (or none: a plain BERT) gets a fresh classification head when loaded for
    training; for tagging, the head must be ours.
    """
    path = Path(path)
    if not (path / "config.json").is_file() or not (path / "vocab.txt").is_file():
        raise FileNotFoundError(f"{path}: not a checkpoint folder (needs config.json and vocab.txt)")
    tokenizer = CharTokenizer.from_dir(path)
    config = BertConfig.from_pretrained(path, local_files_only=True)
    ours = [config.id2label.get(i) for i in range(config.num_labels)] == list(TAGS)
    if not ours and not for_training:
        raise ValueError(f"{path}: the checkpoint does not predict the tags {TAGS}; fine-tune it with --init first")
    model = BertForTokenClassification.from_pretrained(
        path, local_files_only=True, ignore_mismatched_sizes=not ours, **label_maps())
    settings_file = path / SETTINGS_FILE
    settings = json.loads(settings_file.read_text(encoding="utf-8")) if settings_file.is_file() else {}
    max_chars = min(settings.get("max_chars", 126), config.max_position_embeddings - 2)
    classes = bool(settings.get("char_classes")) and config.type_vocab_size >= len(CHAR_CLASSES)
    return Checkpoint(model, tokenizer, max_chars, classes)


def save_checkpoint(path: Path, checkpoint: Checkpoint, settings: dict) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    checkpoint.model.save_pretrained(path)
    checkpoint.tokenizer.save(path)
    payload = {"max_chars": checkpoint.max_chars, "char_classes": checkpoint.char_classes, "tags": list(TAGS),
               **settings}
    (path / SETTINGS_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def batch_tensors(encoded: list[tuple[list[int], list[int]]], pad_id: int) -> dict[str, torch.Tensor]:
    width = max(len(ids) for ids, _ in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    types = torch.zeros((len(encoded), width), dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, (seq, classes) in enumerate(encoded):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        types[row, : len(seq)] = torch.tensor(classes, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return {"input_ids": ids, "token_type_ids": types, "attention_mask": mask}


@cache
def _transition_penalties() -> tuple[np.ndarray, np.ndarray]:
    """BIO constraints as additive log-penalties: I-X only after B-X or I-X, and never first."""
    n = len(TAGS)
    between = np.zeros((n, n))
    first = np.zeros(n)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            first[j] = -np.inf
            for i, prev in enumerate(TAGS):
                if prev == "O" or prev[2:] != tag[2:]:
                    between[i, j] = -np.inf
    return between, first


def viterbi(log_probs: np.ndarray) -> list[int]:
    """The best BIO-valid tag sequence for (length, tags) log-probabilities."""
    between, first = _transition_penalties()
    score = log_probs[0] + first
    back = []
    for row in log_probs[1:]:
        total = score[:, None] + between
        arg = total.argmax(axis=0)
        back.append(arg)
        score = total[arg, np.arange(len(arg))] + row
    path = [int(score.argmax())]
    for arg in reversed(back):
        path.append(int(arg[path[-1]]))
    return path[::-1]


class Tagger:
    """Tags windows of text, a batch of windows of similar length per forward pass, BIO-constrained decoding."""

    def __init__(self, path: Path, batch_size: int = 32, threads: int | None = None):
        self.checkpoint = load_checkpoint(path)
        self.checkpoint.model.eval()
        self.max_chars = self.checkpoint.max_chars
        self.batch_size = batch_size
        self.threads = threads or int(os.environ.get(THREADS_ENV, "1"))

    def tag(self, texts: list[str]) -> list[list[str]]:
        """One tag per character of each text (beyond `max_chars` characters: "O")."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        tags: list[list[str]] = [[] for _ in texts]
        previous_threads = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            self._tag_batches(texts, order, tags)
        finally:
            torch.set_num_threads(previous_threads)
        return tags

    def _tag_batches(self, texts: list[str], order: list[int], tags: list[list[str]]) -> None:
        with torch.inference_mode():
            for first in range(0, len(order), self.batch_size):
                chunk = order[first: first + self.batch_size]
                batch = batch_tensors([self.checkpoint.encode(texts[i]) for i in chunk],
                                      self.checkpoint.tokenizer.pad_id)
                log_probs = self.checkpoint.model(**batch).logits.log_softmax(-1)[:, 1:].numpy()
                for row, i in enumerate(chunk):
                    n = min(len(texts[i]), self.max_chars)
                    path = viterbi(log_probs[row, :n]) if n else []
                    tags[i] = [TAGS[t] for t in path] + ["O"] * (len(texts[i]) - n)


def architecture_of(checkpoint: Checkpoint) -> dict:
    c = checkpoint.model.config
    return asdict(Architecture(c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size,
                               checkpoint.max_chars))
