"""The `checks` stage: run every registered rule (or those named in options["rules"])."""

from __future__ import annotations

from service.checks.registry import RULES
from service.pipeline import STAGES, Analysis


@STAGES.register("checks")
def run_checks(analysis: Analysis) -> None:
    for rule_id in analysis.options.get("rules") or RULES.names():
        analysis.findings.extend(RULES.get(rule_id)(analysis))
