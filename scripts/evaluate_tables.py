"""Cell accuracy of the tables stage against the hand-checked values in corpora/gold/tables/.

    python scripts/evaluate_tables.py            # per document and overall
    python scripts/evaluate_tables.py -v         # also every cell that differs

A gold cell is right when the extracted cell has the same number, or when both are blank (gold null; extracted
status blank or dash). An ambiguous, text or missing cell counts as wrong. Cells listed under `not_scored` in a gold
file (the source itself does not settle them) are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.pipeline import analyze_bytes
from service.result import Cell, TableResult

GOLD_DIR = ROOT / "corpora" / "gold" / "tables"
SOURCE_DIRS = (ROOT / "corpora" / "real", ROOT / "corpora" / "seed")
STAGES = ["ingest_notes", "metadata", "sections", "tables"]


@dataclass
class Score:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.right += other.right
        self.total += other.total
        self.misses += other.misses

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0


def cell_matches(gold: float | None, cell: Cell | None) -> bool:
    if cell is None:
        return False
    if gold is None:
        return cell.status in ("blank", "dash")
    return cell.status == "number" and abs(float(cell.value) - float(gold)) < 1e-9


def score_table(name: str, gold: dict | None, table: TableResult | None) -> Score:
    score = Score()
    if gold is None:
        if table is not None:
            score.misses.append(f"{name}: found a table where the gold has none")
        return score
    for row, cols in gold["rows"].items():
        for col, value in cols.items():
            cell = table.rows.get(row, {}).get(col) if table else None
            score.total += 1
            if cell_matches(value, cell):
                score.right += 1
            else:
                got = "missing" if cell is None else (cell.value if cell.status == "number" else cell.status)
                score.misses.append(f"{name}.{row}.{col}: gold {value}, got {got}")
    return score


def source_of(name: str) -> Path:
    for folder in SOURCE_DIRS:
        if (folder / name).exists():
            return folder / name
    raise FileNotFoundError(name)


def evaluate(gold_file: Path) -> tuple[str, dict[str, Score]]:
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    source = source_of(gold["source"])
    result = analyze_bytes(source.read_bytes(), source.name, stages=STAGES)
    return gold["source"], {key: score_table(key, table, result.tables.get(key))
                            for key, table in gold["tables"].items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every cell that differs")
    args = parser.parse_args()
    overall = Score()
    print(f"{'document':48} {'表二':>9} {'表三':>9} {'表四':>9} {'cells':>11} {'accuracy':>8}")
    for gold_file in sorted(GOLD_DIR.glob("*.json")):
        name, scores = evaluate(gold_file)
        doc = Score()
        for s in scores.values():
            doc.add(s)
        overall.add(doc)
        parts = [f"{scores[k].right}/{scores[k].total}" for k in ("active_disclosure", "requests", "review_litigation")]
        print(f"{name:48} {parts[0]:>9} {parts[1]:>9} {parts[2]:>9} {doc.right:>5}/{doc.total:<5} {doc.accuracy:8.2%}")
        if args.verbose:
            for miss in doc.misses:
                print(f"    {miss}")
    print(f"{'overall':48} {'':>9} {'':>9} {'':>9} {overall.right:>5}/{overall.total:<5} {overall.accuracy:8.2%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
