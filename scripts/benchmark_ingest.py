"""Time ingestion of the real corpus per file (median of a few runs): `python scripts/benchmark_ingest.py [FILES]`."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from service.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


def main(paths: list[Path]) -> None:
    for path in paths:
        data = path.read_bytes()
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            document = ingest(data, path.name)
            timings.append(time.perf_counter() - start)
        print(f"{path.name:48} {document.source.format:5} pages={document.source.pages or '-':>3} "
              f"tables={len(document.tables):>2} {statistics.median(timings):6.2f} s")


if __name__ == "__main__":
    arguments = [Path(a) for a in sys.argv[1:]]
    main(arguments or sorted(p for p in (ROOT / "corpora" / "real").iterdir() if p.name != "MANIFEST.tsv"))
