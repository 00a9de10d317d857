"""Training the figure NER on a tiny fixture set runs in seconds and gives a model the figures pipeline can use."""

from __future__ import annotations

import json
import subprocess
import sys

from service.batch.training import Passage, assemble, paragraphs, silver_passage
from service.nlp.ner_component import FIGURE_LABEL, NER_PIPE, add_trained_ner, load_model
from tests.conftest import CORPORA, ROOT

FIXTURE_DOCS = 6


def test_paragraphs_keep_offsets_and_whole_spans():
    text = "一、总体情况\n全年公开信息314条，其中政策文件12条。" + "办理申请21件。" * 60
    passage = silver_passage("t", text)
    pieces = paragraphs(passage)
    assert len(pieces) > 2 and all(len(p.text) <= 400 for p in pieces)
    for piece in pieces:
        for start, end in piece.spans:
            assert piece.text[start:end] in {"314条", "12条", "21件"}
    assert sum(len(p.spans) for p in pieces) == len(passage.spans)


def test_gold_replaces_silver_and_held_out_texts_never_train():
    silver = [silver_passage("a", "收到申请75件。\n办结申请70件。\n公开信息9条。")]
    gold = [Passage("a", "收到申请75件。", ((4, 7),), "gold")]
    train, dev, stats = assemble(silver, gold, holdout_texts=["前言。公开信息9条。后记"], dev_fraction=0.0,
                                 gold_weight=2)
    texts = [p.text for p in train]
    assert texts.count("收到申请75件。") == 2 and all(p.origin == "gold" for p in train if "75" in p.text)
    assert "公开信息9条。" not in texts and dev == []
    assert stats["gold_paragraphs"] == 1


def _train(corpus, out, tmp_path, epochs: int = 3) -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "train_ner.py"), "--corpus", str(corpus),
                           "--out", str(out), "--epochs", str(epochs), "--gold", str(tmp_path / "no-gold"),
                           "--figure-gold", str(tmp_path / "no-gold"), "--no-eval"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr


def _fingerprint(out) -> str:
    return json.loads((out / "meta.json").read_text(encoding="utf-8"))["nianbao"]["fingerprint"]


def test_training_a_tiny_set_gives_a_loadable_model(tmp_path):
    lines = (CORPORA / "narrative" / "excerpts.jsonl").read_text(encoding="utf-8").splitlines()[:FIXTURE_DOCS]
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "model"
    _train(corpus, out, tmp_path)
    card = (out / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "seed 0" in card and "## Data" in card and "## Scores" in card
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["nianbao"]["data"]["silver_documents"] == FIXTURE_DOCS
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert size < 10_000_000

    model = load_model(str(out))
    assert model.get_pipe("ner").labels == (FIGURE_LABEL,)
    doc = model("全年共收到政府信息公开申请75件，办结70件。")
    assert all(ent.label_ == FIGURE_LABEL for ent in doc.ents)

    from service.nlp.pipeline import FIGURES, build_nlp

    nlp = build_nlp()  # a fresh copy of the figures pipeline, not the cached one
    assert add_trained_ner(nlp, out) and nlp.pipe_names.index(NER_PIPE) == nlp.pipe_names.index("figure_rules") + 1
    merged = nlp("全年共收到政府信息公开申请75件，办结70件。")
    assert [s.text for s in merged.spans[FIGURES]] == ["75件", "70件"]


def test_training_is_reproducible(tmp_path):
    lines = (CORPORA / "narrative" / "excerpts.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _train(corpus, tmp_path / "one", tmp_path, epochs=2)
    _train(corpus, tmp_path / "two", tmp_path, epochs=2)
    assert _fingerprint(tmp_path / "one") == _fingerprint(tmp_path / "two")
