"""What a proposal must contain before it is put to a vote. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .criteria import CriterionText
from .messages import N_, FieldError

MAX_CRITERIA = 30
KEY_PATTERN = re.compile(r"^[a-z0-9_-]{1,60}$")
QUESTION_MIN, QUESTION_MAX = 5, 500
GUIDANCE_MAX = 2000
SUMMARY_MAX = 2000
MAX_BASIS_POINTS = 10_000
#: a fee above this many minor units per co-op order is surely a typo
MAX_FEE_AMOUNT = 10**12


class ProposalInvalid(ValueError):
    """The proposal cannot be put to a vote as it is; `errors` say why."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = errors


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "y", "yes", "on"}
    return bool(value)


def check_criteria(rows: Sequence[Mapping[str, Any]]) -> list[CriterionText]:
    """The criteria of a new version, cleaned; ProposalInvalid names each faulty field.

    Rows left entirely blank are ignored (that is how a form removes one). Field names
    are `criteria-<row>-<name>`, the row counted from 0 among all rows, as in the form.
    """
    errors: list[FieldError] = []
    texts = ("key", "question", "guidance")
    numbered = [
        (number, row)
        for number, row in enumerate(rows)
        if any(str(row.get(name) or "").strip() for name in texts)
    ]
    if not numbered:
        errors.append(FieldError("criteria", N_("a version needs at least one criterion")))
    if len(numbered) > MAX_CRITERIA:
        errors.append(
            FieldError("criteria", N_("at most %(limit)d criteria"), {"limit": MAX_CRITERIA})
        )
    seen: set[str] = set()
    cleaned: list[CriterionText] = []
    for row_number, row in numbered[:MAX_CRITERIA]:
        prefix = f"criteria-{row_number}-"
        key = str(row.get("key") or "").strip().lower()
        question = " ".join(str(row.get("question") or "").split())
        guidance = str(row.get("guidance") or "").strip()
        if not KEY_PATTERN.match(key):
            errors.append(
                FieldError(
                    prefix + "key",
                    N_("use 1 to 60 lower-case letters, digits, - or _"),
                )
            )
        elif key in seen:
            errors.append(FieldError(prefix + "key", N_("another criterion has this key")))
        seen.add(key)
        if not QUESTION_MIN <= len(question) <= QUESTION_MAX:
            errors.append(
                FieldError(
                    prefix + "question",
                    N_("must be %(min)d to %(max)d characters"),
                    {"min": QUESTION_MIN, "max": QUESTION_MAX},
                )
            )
        if len(guidance) > GUIDANCE_MAX:
            errors.append(
                FieldError(
                    prefix + "guidance",
                    N_("must be at most %(limit)d characters"),
                    {"limit": GUIDANCE_MAX},
                )
            )
        cleaned.append(CriterionText(key, question, guidance, _flag(row.get("evidence_required"))))
    if errors:
        raise ProposalInvalid(errors)
    return cleaned


@dataclass(frozen=True)
class FeeTerms:
    basis_points: int
    fair_basis_points: int | None
    minimum_fee: int | None
    maximum_fee: int | None


def _whole(value: Any, field: str, errors: list[FieldError], optional: bool) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if not optional:
            errors.append(FieldError(field, N_("is required")))
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append(FieldError(field, N_("must be a whole number")))
        return None
    try:
        number = int(value)
    except ValueError:
        errors.append(FieldError(field, N_("must be a whole number")))
        return None
    if number < 0:
        errors.append(FieldError(field, N_("must not be negative")))
        return None
    return number


def check_fee_policy(
    basis_points: Any, fair_basis_points: Any, minimum_fee: Any, maximum_fee: Any
) -> FeeTerms:
    """A fee policy in basis points and integer minor units, or ProposalInvalid."""
    errors: list[FieldError] = []
    bps = _whole(basis_points, "basis_points", errors, optional=False)
    fair = _whole(fair_basis_points, "fair_basis_points", errors, optional=True)
    low = _whole(minimum_fee, "minimum_fee", errors, optional=True)
    high = _whole(maximum_fee, "maximum_fee", errors, optional=True)
    for name, value in (("basis_points", bps), ("fair_basis_points", fair)):
        if value is not None and value > MAX_BASIS_POINTS:
            errors.append(
                FieldError(name, N_("must be at most %(limit)d"), {"limit": MAX_BASIS_POINTS})
            )
    for name, value in (("minimum_fee", low), ("maximum_fee", high)):
        if value is not None and value > MAX_FEE_AMOUNT:
            errors.append(FieldError(name, N_("is far too large")))
    if bps is not None and fair is not None and fair > bps:
        errors.append(FieldError("fair_basis_points", N_("must not be more than the normal rate")))
    if low is not None and high is not None and low > high:
        errors.append(FieldError("maximum_fee", N_("must not be less than the minimum")))
    if errors:
        raise ProposalInvalid(errors)
    assert bps is not None
    return FeeTerms(bps, fair, low, high)
