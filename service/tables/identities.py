"""The arithmetic identities of tables 三 and 四 (format-spec §4.4 R1–R3, §5 R10–R12) as data: left = right.

Both the run-together-digit resolver (which cut satisfies the table?) and the checks (which cell breaks it?) read
these, so the two can never disagree about what the table must satisfy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.tables.labels import col_zh, row_zh

CellRef = tuple[str, str]
"""(row key, column key)"""

REQUEST_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
APPLICANT_COLUMNS = REQUEST_COLUMNS[:-1]
OUTCOME_ROWS_2021 = (
    "granted", "partial",
    "denied.state_secret", "denied.law_prohibited", "denied.security_stability", "denied.third_party",
    "denied.internal_affairs", "denied.process_info", "denied.enforcement_file", "denied.query_item",
    "unable.not_held", "unable.needs_creation", "unable.still_unclear",
    "not_processed.petition", "not_processed.duplicate", "not_processed.publication", "not_processed.mass_repeat",
    "not_processed.confirm_existing",
    "other.no_correction", "other.unpaid_fee", "other.other",
)
OUTCOME_ROWS_2019 = OUTCOME_ROWS_2021[:-3] + ("other",)
REVIEW_ROWS = ("review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
REVIEW_RULES = {"review": "R10", "litigation_direct": "R11", "litigation_after_review": "R12"}


@dataclass(frozen=True)
class Identity:
    rule: str
    left: tuple[CellRef, ...]
    right: tuple[CellRef, ...]
    label_zh: str
    label_en: str

    @property
    def cells(self) -> tuple[CellRef, ...]:
        return self.left + self.right


def outcome_rows(template: str) -> tuple[str, ...]:
    return OUTCOME_ROWS_2019 if template == "2019" else OUTCOME_ROWS_2021


def request_identities(template: str) -> list[Identity]:
    identities = []
    for col in REQUEST_COLUMNS:
        identities.append(Identity(
            "R1", (("total", col), ("carried_forward", col)), (("new_received", col), ("carried_over", col)),
            f"“{col_zh(col)}”列：（七）总计 + 结转下年度 = 本年新收 + 上年结转",
            f"column {col}: total + carried forward = new received + carried over",
        ))
    for col in REQUEST_COLUMNS:
        identities.append(Identity(
            "R2", (("total", col),), tuple((row, col) for row in outcome_rows(template)),
            f"“{col_zh(col)}”列：（七）总计 = 各项办理结果之和",
            f"column {col}: total = sum of the outcome rows",
        ))
    for row in ("new_received", "carried_over", *outcome_rows(template), "total", "carried_forward"):
        identities.append(Identity(
            "R3", ((row, "total"),), tuple((row, col) for col in APPLICANT_COLUMNS),
            f"“{row_zh('requests', row)}”行：总计 = 自然人 + 各类法人或其他组织",
            f"row {row}: total = natural persons + the five kinds of organisation",
        ))
    return identities


def review_identities() -> list[Identity]:
    return [
        Identity(
            REVIEW_RULES[row], ((row, "total"),), tuple((row, col) for col in REVIEW_COLUMNS[:-1]),
            f"{row_zh('review_litigation', row)}：总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
            f"{row}: total = upheld + corrected + other + pending",
        )
        for row in REVIEW_ROWS
    ]


def identities_for(table: str, template: str) -> list[Identity]:
    if table == "requests":
        return request_identities(template)
    if table == "review_litigation":
        return review_identities()
    return []


Lookup = Callable[[CellRef], "int | float | None"]


def residual(identity: Identity, value: Lookup) -> int | float | None:
    """left − right with blank read as 0; None when a cell has no usable value (text, ambiguous, missing)."""
    total = 0
    for sign, refs in ((1, identity.left), (-1, identity.right)):
        for ref in refs:
            v = value(ref)
            if v is None:
                return None
            total += sign * v
    return total
