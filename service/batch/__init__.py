"""Bulk annotation runs over many documents, exports to annotation tools, gold imports, NER training and evaluation.

`run.annotate` drives a run on an engine (`engines.LocalEngine`: a process pool; `dask_engine.DaskEngine`: Dask
distributed), each worker doing `work.analyze_task`; `spans` turns results into the one internal span record the
exports (`labelstudio`, `doccano`, `docbin`) render; `gold` reads and writes reviewed annotations under
corpora/gold/reviewed/; `training` and `evaluation` back scripts/train_ner.py and scripts/evaluate.py.
"""
