"""Bulk annotation runs over many documents, exports to annotation tools, and gold imports from them.

`run.annotate` drives a run on an engine (`engines.LocalEngine`: a process pool; `engines.DaskEngine`: Dask
distributed); `spans` turns results into the one internal span record the exports (`labelstudio`, `doccano`,
`docbin`) render; `gold` reads and writes reviewed annotations under corpora/gold/.
"""
