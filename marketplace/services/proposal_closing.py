"""Closing proposals whose vote has ended, and applying those that passed.

Each proposal closes in its own transaction: its outcome, its effect (new criteria in
force, a fee policy adopted, a co-op admitted) and their audit entries commit together.
Closing is idempotent and safe to run from several processes at once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..domain.coop_rules import DecisionRefused
from ..domain.voting import Outcome, tally
from ..extensions import db
from ..models import (
    ClaimStatus,
    Coop,
    CoopStatus,
    CriteriaStatus,
    CriteriaVersion,
    FeePolicy,
    LabelClaim,
    Proposal,
    ProposalKind,
    ProposalStatus,
    Vote,
)
from ..models.base import utcnow
from . import admission, audit
from .governance import current_fee_policy, fee_policy_values

log = logging.getLogger(__name__)


def admitted_coop_ids(at: datetime | None = None) -> set[int]:
    """The co-ops that may vote: those admitted at `at` (the close), default now.

    Closing is lazy (a page load or the CLI), so it may run after `closes_at`: co-ops
    admitted later do not count, and one suspended after the close keeps its vote.
    """
    if at is None:
        return set(db.session.scalars(select(Coop.id).where(Coop.status == CoopStatus.ADMITTED)))
    suspended_later = (Coop.status == CoopStatus.SUSPENDED) & (Coop.decided_at > at)
    return set(
        db.session.scalars(
            select(Coop.id).where(
                Coop.admitted_at <= at,
                (Coop.status == CoopStatus.ADMITTED) | suspended_later,
            )
        )
    )


def votes_of(proposal_id: int) -> dict[int, str]:
    """Each co-op's current choice on a proposal."""
    rows = db.session.execute(
        select(Vote.coop_id, Vote.choice).where(Vote.proposal_id == proposal_id)
    )
    return {coop_id: str(choice) for coop_id, choice in rows}


def close_due(now: datetime | None = None) -> list[Proposal]:
    """Close every open proposal whose time is up; returns those this call closed."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(Proposal.id)
            .where(Proposal.status == ProposalStatus.OPEN, Proposal.closes_at <= now)
            .order_by(Proposal.closes_at, Proposal.id)
        )
    )
    closed = [proposal for proposal_id in due if (proposal := _close(proposal_id, now))]
    return closed


def _close(proposal_id: int, now: datetime) -> Proposal | None:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        return None
    # A co-op suspended during the vote is no longer eligible: its vote does not count.
    outcome = tally(
        votes_of(proposal_id),
        admitted_coop_ids(at=proposal.closes_at),
        proposal.quorum_percent,
        proposal.majority_percent,
    )
    status = ProposalStatus.PASSED if outcome.passed else ProposalStatus.FAILED
    values = asdict(outcome)
    # Claim the proposal: of two closers running at once, only one gets here.
    claimed = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.OPEN)
        .values(status=status, closed_at=now, outcome_json=json.dumps(values, sort_keys=True))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    db.session.refresh(proposal)
    audit.record(
        f"proposal.{status}",
        "proposal",
        proposal.id,
        coop_id=proposal.coop_id,
        before={"status": str(ProposalStatus.OPEN)},
        after={"status": str(status), **values},
    )
    _APPLY[proposal.kind](proposal, outcome, now)
    log.info("proposal %s closed: %s (%s)", proposal.id, status, outcome.reason)
    return proposal


def _apply_criteria(proposal: Proposal, outcome: Outcome, now: datetime) -> None:
    version = db.session.get(CriteriaVersion, proposal.criteria_version_id)
    assert version is not None
    label = version.label
    if not outcome.passed:
        version.status = CriteriaStatus.REJECTED
        audit.record(
            "criteria.rejected",
            "criteria_version",
            version.id,
            before={"label": label.slug, "number": version.number, "status": "proposed"},
            after={"label": label.slug, "number": version.number, "status": "rejected"},
        )
        db.session.commit()
        return
    previous = label.current_version
    if previous is not None:
        previous.status = CriteriaStatus.SUPERSEDED
    version.status = CriteriaStatus.CURRENT
    version.adopted_at = now
    due = now + timedelta(days=current_app.config["REREVIEW_GRACE_DAYS"])
    claims = db.session.scalars(
        select(LabelClaim).where(
            LabelClaim.label_id == label.id,
            LabelClaim.status == ClaimStatus.APPROVED,
            LabelClaim.criteria_version_id != version.id,
            LabelClaim.rereview_due_at.is_(None),
        )
    ).all()
    for claim in claims:
        claim.rereview_due_at = due
        audit.record(
            "claim.rereview_due",
            "claim",
            claim.id,
            coop_id=claim.coop_id,
            before={"rereview_due_at": None},
            after={"rereview_due_at": due.isoformat(), "criteria_version": version.number},
        )
    audit.record(
        "criteria.adopted",
        "criteria_version",
        version.id,
        before={
            "label": label.slug,
            "current_version": previous.number if previous is not None else None,
        },
        after={
            "label": label.slug,
            "current_version": version.number,
            "claims_due_for_rereview": len(claims),
            "rereview_due_at": due.isoformat(),
        },
    )
    db.session.commit()


def _apply_fee_policy(proposal: Proposal, outcome: Outcome, now: datetime) -> None:
    if outcome.passed:
        policy = db.session.get(FeePolicy, proposal.fee_policy_id)
        assert policy is not None
        before = fee_policy_values(current_fee_policy())
        policy.adopted_at = now
        audit.record(
            "fee_policy.adopted",
            "fee_policy",
            policy.id,
            before=before,
            after=fee_policy_values(policy),
        )
    db.session.commit()


def _apply_admission(proposal: Proposal, outcome: Outcome, now: datetime) -> None:
    coop = proposal.coop
    if not outcome.passed or coop is None:
        db.session.commit()
        return
    reason = f"Admitted by a vote of the member co-ops (proposal {proposal.id})."
    try:
        admission.decide(coop, "admit", reason, None)  # commits the outcome with the admission
    except DecisionRefused:
        audit.record(
            "proposal.not_applied",
            "proposal",
            proposal.id,
            coop_id=coop.id,
            after={"coop_status": str(coop.status)},
            reason="The co-op's status changed during the vote.",
        )
        db.session.commit()


_APPLY = {
    ProposalKind.CRITERIA: _apply_criteria,
    ProposalKind.FEE_POLICY: _apply_fee_policy,
    ProposalKind.ADMISSION: _apply_admission,
}
