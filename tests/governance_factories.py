"""Factories for proposals and votes: labels with criteria, approved claims, voting co-ops."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace.extensions import db
from marketplace.models import (
    ClaimStatus,
    Coop,
    CriteriaStatus,
    CriteriaVersion,
    Criterion,
    FeePolicy,
    Label,
    LabelClaim,
    MemberRole,
    User,
)
from tests.factories import make_coop, make_label, make_member, make_user

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

CRITERIA = [
    {
        "key": "wages",
        "question": "Do all workers earn a living wage?",
        "guidance": "Name the lowest hourly wage.",
        "evidence_required": True,
    },
    {
        "key": "sourcing",
        "question": "Where do your raw materials come from?",
        "guidance": "",
        "evidence_required": False,
    },
]


def make_label_with_criteria(criteria: list[dict[str, Any]] | None = None, **kw: Any) -> Label:
    """A label whose version 1 is current."""
    label = make_label(**kw)
    version = CriteriaVersion(
        label=label,
        number=1,
        status=CriteriaStatus.CURRENT,
        adopted_at=NOW - timedelta(days=400),
        criteria=[Criterion(position=i, **row) for i, row in enumerate(criteria or CRITERIA)],
    )
    db.session.add(version)
    db.session.commit()
    return label


def make_approved_claim(label: Label, coop: Coop, **kw: Any) -> LabelClaim:
    """An approved claim for the whole co-op against the label's current criteria."""
    version = label.current_version
    assert version is not None
    kw.setdefault("status", ClaimStatus.APPROVED)
    kw.setdefault("approved_at", NOW - timedelta(days=10))
    kw.setdefault("decided_at", NOW - timedelta(days=10))
    kw.setdefault("expires_at", NOW + timedelta(days=300))
    claim = LabelClaim(label=label, coop=coop, criteria_version=version, **kw)
    db.session.add(claim)
    db.session.commit()
    return claim


def make_voter(coop: Coop | None = None, **kw: Any) -> tuple[Coop, User]:
    """An admitted co-op (unless given) and one of its admins."""
    coop = coop or make_coop(**kw)
    admin = make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    return coop, admin


def make_proposer() -> User:
    return make_user(is_federation_admin=True)


def adopt_fee_policy(**kw: Any) -> FeePolicy:
    """A fee policy in force (as if adopted by vote): 6 % unless `kw` says otherwise."""
    kw.setdefault("basis_points", 600)
    kw.setdefault("adopted_at", datetime(2026, 1, 1, tzinfo=UTC))
    policy = FeePolicy(**kw)
    db.session.add(policy)
    db.session.commit()
    return policy
