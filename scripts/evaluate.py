"""One table: figure spans, table cells and findings against corpora/gold/, for the rules alone and rules + model.

    python scripts/evaluate.py              # the table (markdown)
    python scripts/evaluate.py --json       # the numbers, with missed and false-positive findings
    python scripts/evaluate.py --extractors rules spacy transformer   # other figure extractors too

Rows are figure extractors (service/nlp/extractors.py): `rules` alone, `spacy` = rules + the trained NER,
`transformer` = rules + the transformer tagger, `ensemble` = spans two of the three agree on, rules elsewhere;
"figure texts/s" is the figures pipeline's rate over the figure gold texts (one process, models loaded).
Figure span P/R/F1 is scored on the hand-made figure gold (corpora/gold/figures/), exact span and exact span with
the same value and unit; table cell accuracy uses the tables helper's gold and rule (scripts/evaluate_tables.py);
finding P/R counts (document, rule) pairs of R/X/H findings at error or warning (corpora/gold/findings/real.json).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.batch.evaluation import evaluate  # noqa: E402
from service.nlp.extractors import ExtractorUnavailable, available_extractors  # noqa: E402


def tables_rule():
    spec = importlib.util.spec_from_file_location("evaluate_tables", ROOT / "scripts" / "evaluate_tables.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.cell_matches


def prf(score: dict) -> str:
    return f"{score['p']:.3f} / {score['r']:.3f} / {score['f1']:.3f}"


def markdown(rows: list[dict]) -> str:
    gold = rows[0]["gold"]
    lines = [
        "| configuration | figure span P / R / F1 (exact) | figure span+value+unit P / R / F1 | figure texts/s"
        " | table cell accuracy | finding P / R |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        t, f = row["tables"], row["findings"]
        lines.append(f"| {row['config']} | {prf(row['figures']['exact'])} | {prf(row['figures']['value_unit'])} | "
                     f"{row['figures']['docs_per_s']} | {t['accuracy']:.3f} ({t['right']}/{t['total']}) | "
                     f"{f['p']:.3f} / {f['r']:.3f} "
                     f"({f['tp']}/{f['pred']} pred, {f['gold']} gold) |")
    lines.append("")
    lines.append(f"Gold: {gold['figure_spans']} figure spans in {gold['figure_texts']} texts; tables of "
                 f"{gold['table_documents']} documents; findings of {gold['finding_documents']} documents.")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--extractors", nargs="+", default=None,
                        help="figure extractors to score (default: every one whose models are installed)")
    args = parser.parse_args()
    cell_matches = tables_rule()
    extractors = args.extractors or available_extractors()
    try:
        rows = [evaluate(extractor, cell_matches) for extractor in extractors]
    except ExtractorUnavailable as error:
        print(f"evaluate: {error}", file=sys.stderr)
        return 2
    print(json.dumps(rows, ensure_ascii=False, indent=1) if args.json else markdown(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
