"""Timing of the figures pipeline: load once, then every real report and the seed (ingest excluded).

    python scripts/benchmark_figures.py [--repeat N]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.ingest import ingest  # noqa: E402
from service.nlp.pipeline import get_nlp  # noqa: E402


def main(repeat: int) -> None:
    started = time.perf_counter()
    nlp = get_nlp()
    nlp("预热 1 件。")
    print(f"pipeline load: {time.perf_counter() - started:.2f} s")
    paths = [ROOT / "corpora" / "seed" / "gusu_2023_report.txt"] + sorted(
        p for p in (ROOT / "corpora" / "real").iterdir() if p.name != "MANIFEST.tsv")
    texts = [(p.name, ingest(p.read_bytes(), p.name).text) for p in paths]
    total_chars = sum(len(t) for _, t in texts)
    started = time.perf_counter()
    figures = 0
    for _ in range(repeat):
        for _name, text in texts:
            figures += len(nlp(text).spans["figures"])
    elapsed = time.perf_counter() - started
    print(f"{len(texts)} documents × {repeat}: {elapsed:.2f} s, {figures // repeat} figures per pass, "
          f"{total_chars * repeat / elapsed:,.0f} characters/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    main(parser.parse_args().repeat)
