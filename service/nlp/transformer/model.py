"""The model: a small `BertForTokenClassification` over the character tokenizer, saved as a plain checkpoint folder.

This is the only module (with `train.py`) that imports torch and transformers; nothing imports it until a
transformer extractor is asked for. Loading never touches the network (`local_files_only`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from transformers import BertConfig, BertForTokenClassification

from service.nlp.transformer.tags import TAGS
from service.nlp.transformer.tokenizer import CharTokenizer

SETTINGS_FILE = "nianbao.json"
"""What the extractor needs besides the weights: the window length it was trained on and the tag set."""


@dataclass
class Architecture:
    hidden_size: int = 160
    num_hidden_layers: int = 3
    num_attention_heads: int = 4
    intermediate_size: int = 512
    max_chars: int = 126
    """Characters per window; position embeddings cover these plus [CLS] and [SEP]."""


def label_maps() -> dict:
    return {"num_labels": len(TAGS), "id2label": dict(enumerate(TAGS)), "label2id": {t: i for i, t in enumerate(TAGS)}}


def build_model(tokenizer: CharTokenizer, arch: Architecture) -> BertForTokenClassification:
    config = BertConfig(
        vocab_size=len(tokenizer), hidden_size=arch.hidden_size, num_hidden_layers=arch.num_hidden_layers,
        num_attention_heads=arch.num_attention_heads, intermediate_size=arch.intermediate_size,
        max_position_embeddings=arch.max_chars + 2, type_vocab_size=1, pad_token_id=tokenizer.pad_id,
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1, **label_maps(),
    )
    return BertForTokenClassification(config)


def load_checkpoint(path: Path, for_training: bool = False) -> tuple[BertForTokenClassification, CharTokenizer, int]:
    """Model, tokenizer and window length from a checkpoint folder (ours, or any BERT checkpoint with a vocab.txt).

    A checkpoint with another label set (or none: a plain BERT) gets a fresh classification head when loaded for
    training; for tagging, the head must be ours.
    """
    path = Path(path)
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: not a checkpoint folder (no config.json)")
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
    return model, tokenizer, max_chars


def save_checkpoint(path: Path, model: BertForTokenClassification, tokenizer: CharTokenizer, max_chars: int,
                    settings: dict) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(path)
    tokenizer.save(path)
    payload = {"max_chars": max_chars, "tags": list(TAGS), **settings}
    (path / SETTINGS_FILE).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def batch_tensors(encoded: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(ids) for ids in encoded)
    ids = torch.full((len(encoded), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    for row, seq in enumerate(encoded):
        ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[row, : len(seq)] = 1
    return ids, mask


class Tagger:
    """Tags windows of text, a batch of windows per forward pass."""

    def __init__(self, path: Path, batch_size: int = 32):
        self.model, self.tokenizer, self.max_chars = load_checkpoint(path)
        self.model.eval()
        self.batch_size = batch_size
        self.id2label = self.model.config.id2label

    def tag(self, texts: list[str]) -> list[list[str]]:
        """One tag per character of each text (texts longer than `max_chars` are tagged in their first part only)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        tags: list[list[str]] = [[] for _ in texts]
        with torch.inference_mode():
            for first in range(0, len(order), self.batch_size):
                chunk = order[first: first + self.batch_size]
                encoded = [self.tokenizer.encode(texts[i][: self.max_chars]) for i in chunk]
                ids, mask = batch_tensors(encoded, self.tokenizer.pad_id)
                best = self.model(input_ids=ids, attention_mask=mask).logits.argmax(-1)
                for row, i in enumerate(chunk):
                    n = min(len(texts[i]), self.max_chars)
                    tags[i] = [self.id2label[int(t)] for t in best[row, 1: n + 1]] + ["O"] * (len(texts[i]) - n)
        return tags


def architecture_of(model: BertForTokenClassification, max_chars: int) -> dict:
    c = model.config
    return asdict(Architecture(c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size,
                               max_chars))
