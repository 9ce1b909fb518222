"""Demo proposals for `flask seed-demo`: a fee policy the co-ops adopted, and an open vote
on new fair-trade criteria. Fixed dates, written once, so seeding stays idempotent."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy import select

from ..domain.voting import tally
from ..extensions import db
from ..models import (
    Coop,
    CriteriaStatus,
    CriteriaVersion,
    Criterion,
    FeePolicy,
    Label,
    Proposal,
    ProposalKind,
    ProposalStatus,
    User,
    Vote,
    VoteChoice,
)
from . import audit

FEE_TITLE = "Federation fee: 6 %, 3 % for verified fair trade"
CRITERIA_TITLE = "Fair Trade criteria, version 2: a living-income reference price"


def seed_governance(coops: dict[str, Coop], chair: User, epoch: datetime) -> None:
    """Create the demo proposals the first time; leave them alone afterwards."""
    admins = _admins(coops)
    if db.session.scalar(select(Proposal.id).where(Proposal.title == FEE_TITLE)) is None:
        _adopted_fee_policy(coops, admins, chair, epoch)
    if db.session.scalar(select(Proposal.id).where(Proposal.title == CRITERIA_TITLE)) is None:
        _open_criteria_vote(coops, admins, chair, epoch)


def _admins(coops: dict[str, Coop]) -> dict[str, User | None]:
    return {
        slug: next((m.user for m in coop.memberships if str(m.role) == "admin"), None)
        for slug, coop in coops.items()
    }


def _votes(
    proposal: Proposal,
    coops: dict[str, Coop],
    admins: dict[str, User | None],
    choices: list[VoteChoice],
    at: datetime,
) -> None:
    for (slug, coop), choice in zip(sorted(coops.items()), choices, strict=False):
        admin = admins[slug]
        db.session.add(
            Vote(
                proposal=proposal,
                coop_id=coop.id,
                choice=choice,
                cast_at=at,
                cast_by_id=admin.id if admin else None,
            )
        )
        audit.record(
            "vote.cast",
            "proposal",
            proposal.id,
            actor=admin,
            coop_id=coop.id,
            after={"choice": str(choice)},
        ).at = at


def _adopted_fee_policy(
    coops: dict[str, Coop], admins: dict[str, User | None], chair: User, epoch: datetime
) -> None:
    opened, closed = epoch - timedelta(days=60), epoch - timedelta(days=46)
    policy = FeePolicy(
        basis_points=600,
        fair_basis_points=300,
        minimum_fee=50,
        maximum_fee=None,
        adopted_at=closed,
        created_at=opened,
    )
    db.session.add(policy)
    db.session.flush()
    proposal = Proposal(
        kind=ProposalKind.FEE_POLICY,
        title=FEE_TITLE,
        fee_policy_id=policy.id,
        description="As Fairmondo charged: 6 % of each co-op order, 3 % on lines with a "
        "verified fair-trade label, at least 0.50 per co-op order.",
        created_by_id=chair.id,
        opens_at=opened,
        closes_at=closed,
        closed_at=closed,
        quorum_percent=50,
        majority_percent=50,
        status=ProposalStatus.PASSED,
    )
    db.session.add(proposal)
    db.session.flush()
    choices = [VoteChoice.YES] * 7 + [VoteChoice.NO, VoteChoice.ABSTAIN, VoteChoice.YES]
    _votes(proposal, coops, admins, choices, opened + timedelta(days=3))
    outcome = tally(
        {
            c.id: ch
            for c, ch in zip(sorted(coops.values(), key=lambda c: c.slug), choices, strict=False)
        },
        {c.id for c in coops.values()},
        50,
        50,
    )
    proposal.outcome_json = json.dumps(asdict(outcome))
    audit.record("proposal.passed", "proposal", proposal.id, after=asdict(outcome)).at = closed
    audit.record(
        "fee_policy.adopted",
        "fee_policy",
        policy.id,
        after={"basis_points": 600, "fair_basis_points": 300, "minimum_fee": 50},
    ).at = closed


def _open_criteria_vote(
    coops: dict[str, Coop], admins: dict[str, User | None], chair: User, epoch: datetime
) -> None:
    label = db.session.scalar(select(Label).where(Label.slug == "fair-trade"))
    current = label.current_version if label else None
    if current is None:
        return
    version = CriteriaVersion(
        label_id=label.id,
        number=current.number + 1,
        status=CriteriaStatus.PROPOSED,
        summary="Adds a living-income reference price and asks for the premium's use.",
        created_at=epoch + timedelta(days=20),
    )
    db.session.add(version)
    db.session.flush()
    for position, old in enumerate(current.criteria, start=1):
        guidance = old.guidance
        if old.key == "awareness":
            guidance += " Say what the premium was used for last year."
        db.session.add(
            Criterion(
                version_id=version.id,
                position=position,
                key=old.key,
                question=old.question,
                guidance=guidance,
                evidence_required=old.evidence_required,
            )
        )
    db.session.add(
        Criterion(
            version_id=version.id,
            position=len(current.criteria) + 1,
            key="living-income",
            question="Does the price you pay reach a living-income reference price for the "
            "producers' region?",
            guidance="Name the reference (for example Fairtrade's living income reference price "
            "for cocoa or coffee) and compare it with what you pay per kilo.",
            evidence_required=True,
        )
    )
    proposal = Proposal(
        kind=ProposalKind.CRITERIA,
        title=CRITERIA_TITLE,
        criteria_version_id=version.id,
        description=version.summary,
        created_by_id=chair.id,
        opens_at=epoch + timedelta(days=20),
        closes_at=epoch + timedelta(days=75),
        quorum_percent=50,
        majority_percent=50,
        status=ProposalStatus.OPEN,
    )
    db.session.add(proposal)
    db.session.flush()
    choices = [VoteChoice.YES, VoteChoice.YES, VoteChoice.NO, VoteChoice.YES]
    _votes(proposal, coops, admins, choices, epoch + timedelta(days=22))
