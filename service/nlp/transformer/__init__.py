"""A character-level BIO token classifier (a small BERT trained from scratch here) for figure and subject spans.

    tokenizer.py   characters → ids (vocab.txt built from the corpora, saved with the model)
    windows.py     sentences holding a number, cut to the model's window
    tags.py        BIO tags ⇄ spans
    model.py       BertForTokenClassification: build, save, load (no network), batched tagging   [torch]
    train.py       the training loop                                                            [torch]
    silver.py      training data: corpora labelled by the rules, gold held out
    extractor.py   text → figure spans with value/unit (number grammar) and subjects
    component.py   the spaCy component `figure_transformer` for the figures pipeline

Importing this package (or service.nlp) does not import torch: only model.py and train.py do, when a model is
loaded or trained.
"""
