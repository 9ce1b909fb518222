"""Factories for labels with criteria and claims in any state (issue 4: what buyers see)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace.extensions import db
from marketplace.models import (
    ClaimAnswer,
    ClaimReview,
    ClaimStatus,
    Coop,
    CriteriaStatus,
    CriteriaVersion,
    Criterion,
    Label,
    LabelClaim,
    Listing,
    ReviewDecision,
    User,
)
from marketplace.models.base import utcnow
from tests.factories import make_label, make_user

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


def make_criteria(
    label: Label,
    number: int = 1,
    status: CriteriaStatus = CriteriaStatus.CURRENT,
    questions: int = 3,
    adopted_at: datetime | None = LONG_AGO,
) -> CriteriaVersion:
    version = CriteriaVersion(label=label, number=number, status=status, adopted_at=adopted_at)
    for position in range(1, questions + 1):
        version.criteria.append(
            Criterion(
                position=position,
                key=f"q{position}",
                question=f"Question {position} of version {number}?",
                guidance=f"How to answer question {position}.",
                evidence_required=position == 1,
            )
        )
    db.session.add(version)
    db.session.commit()
    return version


def make_labelled(**kw: Any) -> Label:
    """A label with a current criteria version."""
    label = make_label(**kw)
    make_criteria(label)
    return label


def make_claim(
    label: Label,
    coop: Coop,
    listing: Listing | None = None,
    status: ClaimStatus = ClaimStatus.APPROVED,
    *,
    reviewer: User | None = None,
    approved_at: datetime | None = None,
    expires_at: datetime | None = None,
    rereview_due_at: datetime | None = None,
    version: CriteriaVersion | None = None,
) -> LabelClaim:
    """A claim answered in full (first answer with a link), approved a month ago by default."""
    now = utcnow()
    version = version or label.current_version
    assert version is not None
    was_approved = status in (ClaimStatus.APPROVED, ClaimStatus.EXPIRED, ClaimStatus.REVOKED)
    if was_approved:
        approved_at = approved_at or now - timedelta(days=30)
        expires_at = expires_at or approved_at + timedelta(days=365)
    claim = LabelClaim(
        label=label,
        coop=coop,
        listing=listing,
        criteria_version=version,
        status=status,
        submitted_at=now - timedelta(days=40) if status is not ClaimStatus.DRAFT else None,
        decided_at=approved_at,
        approved_at=approved_at,
        expires_at=expires_at,
        rereview_due_at=rereview_due_at,
    )
    for criterion in version.criteria:
        claim.answers.append(
            ClaimAnswer(
                criterion=criterion,
                answer=f"Our answer to {criterion.key}.",
                evidence_url="https://example.org/proof" if criterion.position == 1 else None,
            )
        )
    if was_approved:
        claim.reviews.append(
            ClaimReview(
                reviewer=reviewer or make_user(name="Rita Reviewer", is_reviewer=True),
                decision=ReviewDecision.APPROVE,
                reason="Evidence checked.",
                criteria_version_id=version.id,
                created_at=approved_at,
            )
        )
    db.session.add(claim)
    db.session.commit()
    return claim
