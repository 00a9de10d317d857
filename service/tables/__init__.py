"""Tables 二/三/四: raw tables from any backend → the schema of result-schema.md (stage `tables`).

labels.toml / labels.py   the label vocabulary (canonical labels and variants, as data) and the matcher
recognize.py              raw tables → labelled rows (grids, flattened runs)
mapping.py                rows → template rows (by label, by template order, by shape), cells, run resolution
digits.py                 the cuts of run-together digits (D1)
identities.py             R1–R3, R10–R12 as data, shared by the resolver and the checks
cells.py                  one cell's text → Cell
stage.py                  the registered stage
"""
