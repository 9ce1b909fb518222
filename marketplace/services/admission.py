"""Co-ops joining and leaving the federation: apply, admit, decline, suspend, readmit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from ..domain.coop_rules import NEEDS_REASON, Decision, DecisionRefused, decide_status
from ..domain.messages import N_, FieldError
from ..domain.money import CURRENCY_EXPONENTS
from ..domain.text import slugify
from ..extensions import db
from ..models import Coop, CoopStatus, MemberRole, Membership, User
from ..models.base import utcnow
from . import audit

log = logging.getLogger(__name__)

MAX_REASON = 2000


class ApplicationInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = errors


class ReasonRequired(ValueError):
    """Declining or suspending a co-op needs a written reason."""


def _check_application(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    limits = {"name": 120, "trade": 120, "region": 120, "description": 5000, "website": 300}
    for name, limit in limits.items():
        value = str(raw.get(name) or "").strip()
        if name in ("name", "trade", "description") and not value:
            errors.append(FieldError(name, N_("is required")))
        elif len(value) > limit:
            errors.append(
                FieldError(name, N_("must be at most %(limit)d characters"), {"limit": limit})
            )
        values[name] = value
    country = str(raw.get("country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        errors.append(FieldError("country", N_("must be a two-letter country code such as DE")))
    values["country"] = country
    website = values.get("website")
    if website and not website.startswith(("https://", "http://")):
        errors.append(FieldError("website", N_("must start with https://")))
    values["website"] = website or None
    currency = str(raw.get("currency") or "EUR").strip().upper()
    if currency not in CURRENCY_EXPONENTS:
        errors.append(FieldError("currency", N_("is not a currency we accept")))
    values["currency"] = currency
    values["slug"] = slugify(values.get("name", ""))
    if values["name"] and not values["slug"]:
        errors.append(FieldError("name", N_("needs some letters or digits")))
    return values, errors


def apply_for_membership(raw: Mapping[str, Any], by: User) -> Coop:
    """A registered user applies for their co-op to join; they become its first admin."""
    values, errors = _check_application(raw)
    if values.get("name"):
        clash = db.session.scalar(
            select(Coop.id).where(
                (func.lower(Coop.name) == values["name"].lower()) | (Coop.slug == values["slug"])
            )
        )
        if clash is not None:
            errors.append(FieldError("name", N_("a co-op with this name already exists")))
    if errors:
        raise ApplicationInvalid(errors)
    coop = Coop(status=CoopStatus.APPLIED, applied_by_id=by.id, **values)
    db.session.add(coop)
    db.session.add(Membership(user=by, coop=coop, role=MemberRole.ADMIN))
    db.session.flush()
    audit.record(
        "coop.applied",
        "coop",
        coop.id,
        actor=by,
        coop_id=coop.id,
        after={"name": coop.name, "status": str(coop.status)},
    )
    db.session.commit()
    log.info("co-op %s applied to join (by user %s)", coop.slug, by.id)
    return coop


def decide(coop: Coop, decision: Decision | str, reason: str, by: User | None) -> Coop:
    """The one place a co-op's membership of the federation is decided.

    A passed admission vote calls this too, with `by` None (the members decided).
    """
    decision = Decision(decision)
    reason = (reason or "").strip()
    if decision in NEEDS_REASON and not reason:
        raise ReasonRequired(decision)
    if len(reason) > MAX_REASON:
        raise ReasonRequired(decision)
    new_status = CoopStatus(decide_status(str(coop.status), decision))
    before = {"status": str(coop.status)}
    coop.status = new_status
    coop.decision_reason = reason or None
    coop.decided_at = utcnow()
    if new_status is CoopStatus.ADMITTED and coop.admitted_at is None:
        coop.admitted_at = coop.decided_at
    audit.record(
        f"coop.{new_status}",
        "coop",
        coop.id,
        actor=by,
        coop_id=coop.id,
        before=before,
        after={"status": str(new_status)},
        reason=reason,
    )
    db.session.commit()
    log.info("co-op %s: %s by %s", coop.slug, decision, f"user {by.id}" if by else "a vote")
    return coop


def applications() -> list[Coop]:
    """Co-ops waiting for a decision, oldest first."""
    return list(
        db.session.scalars(
            select(Coop).where(Coop.status == CoopStatus.APPLIED).order_by(Coop.created_at)
        )
    )


__all__ = ["DecisionRefused", "apply_for_membership", "applications", "decide"]
