"""Rule id → check function. A check reads an `Analysis` and yields findings; it never changes the analysis."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from service.findings import Finding
from service.registry import Registry

if TYPE_CHECKING:
    from service.pipeline import Analysis

Check = Callable[["Analysis"], Iterable[Finding]]

RULES: Registry[Check] = Registry(
    "rule",
    modules=[
        "service.checks.history",
        "service.checks.tables",
        "service.checks.narrative",
    ],
)

rule = RULES.register
