"""The transformer extractor: training on a tiny corpus, loading, tagging the seed, fine-tuning with --init offline.

A tiny model (2 layers, hidden 64) is trained on the seed alone, so it must reproduce the seed's figures; the point
is the whole path (silver labels → training → checkpoint folder → loading → tagging → value/unit by the grammar),
not the model's quality, which scripts/evaluate.py measures on the gold set.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import socket
import subprocess
import sys

import pytest

from tests.conftest import ROOT, SEED

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

TINY = ["--hidden", "64", "--layers", "2", "--heads", "2", "--intermediate", "128", "--threads", "1",
        "--dev-share", "0", "--batch-size", "8"]


def train_script():
    spec = importlib.util.spec_from_file_location("train_transformer", ROOT / "scripts" / "train_transformer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """No network: the hub libraries are told so, and any connection attempt fails the test."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")

    def refuse(*_args, **_kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    torch.set_num_threads(1)


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    (root / "seed").mkdir()
    shutil.copy(SEED, root / "seed" / SEED.name)
    (root / "gold").mkdir()
    return root


@pytest.fixture(scope="module")
def tiny_model(tiny_corpus, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("model") / "transformer-figures"
    args = ["--corpora", str(tiny_corpus), "--gold", str(tiny_corpus / "gold"), "--out", str(out),
            "--epochs", "60", "--time-budget", "25", "--learning-rate", "3e-3", *TINY]
    assert train_script().main(args) == 0
    return out


def test_trained_model_is_a_complete_checkpoint_with_a_card(tiny_model):
    names = {p.name for p in tiny_model.iterdir()}
    assert {"config.json", "model.safetensors", "vocab.txt", "nianbao.json", "README.md"} <= names
    settings = json.loads((tiny_model / "nianbao.json").read_text(encoding="utf-8"))
    assert settings["char_classes"] is True and settings["seed"] == 13
    assert "依" in (tiny_model / "vocab.txt").read_text(encoding="utf-8").split("\n")
    assert "seed 13" in (tiny_model / "README.md").read_text(encoding="utf-8")


def test_model_tags_the_seed_figures_with_values_and_units(tiny_model):
    from service.nlp.transformer.extractor import TransformerExtractor

    text = SEED.read_text(encoding="utf-8")
    found = {(f.text, f.value, f.unit) for f in TransformerExtractor(tiny_model).extract(text)}
    assert {("6116 条", 6116, "条"), ("42 件", 42, "件"), ("2540 条", 2540, "条")} <= found
    assert not any(f[0].startswith("2023") for f in found)


def test_model_finds_subjects_near_their_figures(tiny_model):
    from service.nlp.transformer.extractor import TransformerExtractor

    text = SEED.read_text(encoding="utf-8")
    subjects = {f.text: f.subject for f in TransformerExtractor(tiny_model).extract(text)}
    assert subjects.get("3431 条") == "政务动态"


def test_fine_tuning_our_checkpoint_with_init(tiny_model, tiny_corpus, tmp_path):
    out = tmp_path / "tuned"
    args = ["--corpora", str(tiny_corpus), "--gold", str(tiny_corpus / "gold"), "--out", str(out),
            "--init", str(tiny_model), "--epochs", "2", "--time-budget", "10", *TINY]
    assert train_script().main(args) == 0
    from service.nlp.transformer.extractor import TransformerExtractor

    found = {f.text for f in TransformerExtractor(out).extract(SEED.read_text(encoding="utf-8"))}
    assert "6116 条" in found
    assert f"`{tiny_model}`" in (out / "README.md").read_text(encoding="utf-8")


def test_init_from_a_plain_bert_checkpoint_gets_a_new_head(tiny_corpus, tmp_path):
    """Any BERT checkpoint on disk with a vocab.txt (here one this test saves) can be fine-tuned: fresh head."""
    from transformers import BertConfig, BertModel

    from service.nlp.transformer.model import load_checkpoint

    plain = tmp_path / "plain-bert"
    chars = sorted(set(SEED.read_text(encoding="utf-8")) - set(" \n\t\u3000"))
    config = BertConfig(vocab_size=5 + len(chars), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=64)
    BertModel(config).save_pretrained(plain)
    (plain / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars]) + "\n",
                                     encoding="utf-8")
    with pytest.raises(ValueError, match="fine-tune"):
        load_checkpoint(plain)
    out = tmp_path / "tuned"
    args = ["--corpora", str(tiny_corpus), "--gold", str(tiny_corpus / "gold"), "--out", str(out),
            "--init", str(plain), "--epochs", "1", "--threads", "1", "--dev-share", "0"]
    assert train_script().main(args) == 0
    tuned = load_checkpoint(out)
    assert tuned.max_chars == 62 and tuned.char_classes is False
    assert tuned.model.config.num_labels == 5


def test_gold_texts_are_held_out_of_training(tiny_corpus, tmp_path):
    from service.nlp.transformer.silver import LabelledText, rule_spans, window_examples, window_keys

    text = SEED.read_text(encoding="utf-8")
    doc = LabelledText("seed", text, rule_spans(text))
    all_windows = list(window_examples(doc, 126))
    held = window_keys([text.replace("\n", "\n\n")], 126)
    assert all_windows and not list(window_examples(doc, 126, held))


def test_rules_never_import_torch():
    code = ("import sys\nfrom service.pipeline import analyze_bytes\n"
            f"analyze_bytes(open({str(SEED)!r}, 'rb').read(), 'seed.txt', options={{'extractor': 'rules'}})\n"
            "import service.nlp.transformer.extractor, service.nlp.transformer.component\n"
            "assert 'torch' not in sys.modules and 'transformers' not in sys.modules, 'torch imported'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_extract_with_the_transformer_extractor(tmp_path):
    """The committed model through the CLI: the seed's figures, the ones the model placed marked as its own."""
    from service.nlp.transformer.extractor import model_available

    if not model_available():
        pytest.skip("models/transformer-figures is not installed")
    out = tmp_path / "seed.json"
    done = subprocess.run([sys.executable, "-m", "service.cli", "extract", "--extractor", "transformer", str(SEED),
                           "-o", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    figures = {f["text"]: f for f in json.loads(out.read_text(encoding="utf-8"))["figures"]}
    assert figures["6116 条"]["value"] == 6116 and figures["42 件"]["unit"] == "件"
    assert figures["3431 条"]["subject"] == "政务动态"
    assert {f["source"] for f in figures.values()} >= {"transformer"}


def test_unknown_extractor_is_one_line_and_exit_2():
    done = subprocess.run([sys.executable, "-m", "service.cli", "extract", "--extractor", "bert", str(SEED)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().splitlines() == ["nianbao: unknown extractor 'bert'; one of rules, spacy, transformer, "
                                                "ensemble"]


def test_ensemble_names_the_extractors_that_agreed():
    from service.nlp.extractors import available_extractors
    from service.pipeline import analyze_bytes

    if "ensemble" not in available_extractors():
        pytest.skip("models/ner-figures or models/transformer-figures is not installed")
    result = analyze_bytes(SEED.read_bytes(), SEED.name, options={"extractor": "ensemble"})
    sources = {f.source for f in result.figures}
    assert sources and all(s == "rules" or len(s.split("+")) >= 2 for s in sources)
    assert any("rules" in s.split("+") and len(s.split("+")) >= 2 for s in sources)
