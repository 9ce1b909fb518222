"""Democratic control: putting criteria, fee policies and admissions to a vote, and voting.

One co-op, one vote: each admitted co-op votes through one of its admins and may change
its vote until the close. Closing and applying outcomes lives in `proposal_closing`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ..authz import roles_of
from ..domain.messages import N_, FieldError
from ..domain.permissions import Permission, allowed
from ..domain.proposals import (
    SUMMARY_MAX,
    ProposalInvalid,
    check_criteria,
    check_fee_policy,
)
from ..extensions import db
from ..models import (
    Coop,
    CoopStatus,
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
from ..models.base import utcnow
from . import audit

log = logging.getLogger(__name__)

__all__ = [
    "AlreadyProposed",
    "CoopNotAdmitted",
    "GovernanceError",
    "NotAllowed",
    "NotApplied",
    "ProposalInvalid",
    "VotingClosed",
    "cast_vote",
    "current_fee_policy",
    "propose_admission",
    "propose_criteria",
    "propose_fee_policy",
]


class GovernanceError(Exception):
    """A proposal or vote that cannot be made; the subclass says why."""


class NotAllowed(GovernanceError):
    """The person may not propose, or may not vote for that co-op."""


class CoopNotAdmitted(GovernanceError):
    """Only co-ops admitted to the federation vote."""


class VotingClosed(GovernanceError):
    """The proposal is no longer open for votes."""


class AlreadyProposed(GovernanceError):
    """The same question is already put to a vote."""


class NotApplied(GovernanceError):
    """Only a co-op that applied (and is not yet admitted) can be put to an admission vote."""


def _may(user: User, permission: Permission, coop: Coop | None = None) -> bool:
    return allowed(roles_of(user, coop), permission)


def _open(
    kind: ProposalKind,
    title: str,
    description: str,
    by: User,
    now: datetime,
    **target: int,
) -> Proposal:
    config = current_app.config
    proposal = Proposal(
        kind=kind,
        title=title[:200],
        description=description,
        created_by_id=by.id,
        opens_at=now,
        closes_at=now + timedelta(days=config["PROPOSAL_DAYS"]),
        quorum_percent=config["VOTE_QUORUM_PERCENT"],
        majority_percent=config["VOTE_MAJORITY_PERCENT"],
        **target,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        "proposal.opened",
        "proposal",
        proposal.id,
        actor=by,
        coop_id=target.get("coop_id"),
        after={
            "kind": str(kind),
            "title": proposal.title,
            "closes_at": proposal.closes_at.isoformat(),
            "quorum_percent": proposal.quorum_percent,
            "majority_percent": proposal.majority_percent,
            **target,
        },
        reason=description,
    )
    return proposal


def _summary(summary: str) -> str:
    summary = (summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise ProposalInvalid(
            [
                FieldError(
                    "summary", N_("must be at most %(limit)d characters"), {"limit": SUMMARY_MAX}
                )
            ]
        )
    return summary


def _commit_or_conflict() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyProposed() from None


def open_criteria_proposal(label: Label) -> Proposal | None:
    """The open vote on new criteria for `label`, if any."""
    return db.session.scalar(
        select(Proposal)
        .join(CriteriaVersion, CriteriaVersion.id == Proposal.criteria_version_id)
        .where(Proposal.status == ProposalStatus.OPEN, CriteriaVersion.label_id == label.id)
    )


def propose_criteria(
    label: Label,
    criteria: Sequence[Mapping[str, Any]],
    summary: str,
    by: User,
    now: datetime | None = None,
) -> Proposal:
    """Put a new version of a label's criteria to a vote (one open vote per label)."""
    now = now or utcnow()
    if not _may(by, Permission.PROPOSE):
        raise NotAllowed()
    texts = check_criteria(criteria)
    summary = _summary(summary)
    if open_criteria_proposal(label) is not None:
        raise AlreadyProposed()
    highest = db.session.scalar(
        select(func.max(CriteriaVersion.number)).where(CriteriaVersion.label_id == label.id)
    )
    version = CriteriaVersion(
        label=label,
        number=(highest or 0) + 1,
        status=CriteriaStatus.PROPOSED,
        summary=summary,
        criteria=[
            Criterion(
                position=position,
                key=text.key,
                question=text.question,
                guidance=text.guidance,
                evidence_required=text.evidence_required,
            )
            for position, text in enumerate(texts)
        ],
    )
    db.session.add(version)
    db.session.flush()
    title = f"{label.name}: criteria version {version.number}"
    proposal = _open(ProposalKind.CRITERIA, title, summary, by, now, criteria_version_id=version.id)
    _commit_or_conflict()
    log.info("user %s proposed criteria v%s of label %s", by.id, version.number, label.slug)
    return proposal


def current_fee_policy() -> FeePolicy | None:
    """The fee policy in force: the newest one adopted by vote."""
    return db.session.scalar(
        select(FeePolicy)
        .where(FeePolicy.adopted_at.is_not(None))
        .order_by(FeePolicy.adopted_at.desc(), FeePolicy.id.desc())
        .limit(1)
    )


def fee_policy_values(policy: FeePolicy | None) -> dict[str, int | None]:
    """A fee policy as plain values (for the audit log and the proposal page)."""
    if policy is None:
        return {}
    return {
        "basis_points": policy.basis_points,
        "fair_basis_points": policy.fair_basis_points,
        "minimum_fee": policy.minimum_fee,
        "maximum_fee": policy.maximum_fee,
    }


def propose_fee_policy(
    basis_points: Any,
    fair_basis_points: Any,
    minimum_fee: Any,
    maximum_fee: Any,
    summary: str,
    by: User,
    now: datetime | None = None,
) -> Proposal:
    """Put a new federation fee to a vote; it applies from the close if it passes."""
    now = now or utcnow()
    if not _may(by, Permission.PROPOSE):
        raise NotAllowed()
    terms = check_fee_policy(basis_points, fair_basis_points, minimum_fee, maximum_fee)
    summary = _summary(summary)
    policy = FeePolicy(
        basis_points=terms.basis_points,
        fair_basis_points=terms.fair_basis_points,
        minimum_fee=terms.minimum_fee,
        maximum_fee=terms.maximum_fee,
    )
    db.session.add(policy)
    db.session.flush()
    title = f"Federation fee: {terms.basis_points} basis points"
    proposal = _open(ProposalKind.FEE_POLICY, title, summary, by, now, fee_policy_id=policy.id)
    db.session.commit()
    log.info("user %s proposed fee policy %s", by.id, policy.id)
    return proposal


def propose_admission(coop: Coop, by: User, now: datetime | None = None) -> Proposal:
    """Put the admission of a co-op that applied to a vote of the member co-ops."""
    now = now or utcnow()
    if not _may(by, Permission.PROPOSE):
        raise NotAllowed()
    if coop.status is not CoopStatus.APPLIED:
        raise NotApplied()
    already = db.session.scalar(
        select(
            exists().where(
                Proposal.kind == ProposalKind.ADMISSION,
                Proposal.coop_id == coop.id,
                Proposal.status == ProposalStatus.OPEN,
            )
        )
    )
    if already:
        raise AlreadyProposed()
    proposal = _open(ProposalKind.ADMISSION, f"Admit {coop.name}", "", by, now, coop_id=coop.id)
    db.session.commit()
    log.info("user %s put the admission of co-op %s to a vote", by.id, coop.slug)
    return proposal


def _existing_vote(proposal: Proposal, coop: Coop) -> Vote | None:
    return db.session.scalar(
        select(Vote).where(Vote.proposal_id == proposal.id, Vote.coop_id == coop.id)
    )


def cast_vote(
    proposal: Proposal,
    coop: Coop,
    choice: VoteChoice | str,
    by: User,
    now: datetime | None = None,
) -> Vote:
    """Cast or change `coop`'s one vote on `proposal`, through one of its admins."""
    now = now or utcnow()
    try:
        choice = VoteChoice(choice)
    except ValueError:
        raise ProposalInvalid([FieldError("choice", N_("choose yes, no or abstain"))]) from None
    if not _may(by, Permission.VOTE, coop):
        raise NotAllowed()
    if coop.status is not CoopStatus.ADMITTED:
        raise CoopNotAdmitted()
    if proposal.status is not ProposalStatus.OPEN or now >= proposal.closes_at:
        raise VotingClosed()
    vote = _existing_vote(proposal, coop)
    if vote is None:
        vote = Vote(proposal_id=proposal.id, coop_id=coop.id, cast_by_id=by.id, choice=choice)
        vote.cast_at = now
        try:
            with db.session.begin_nested():
                db.session.add(vote)
        except IntegrityError:
            # Another admin of the co-op voted at the same moment: change that vote instead.
            vote = _existing_vote(proposal, coop)
            assert vote is not None
            before = _vote_values(vote)
        else:
            audit.record(
                "vote.cast",
                "proposal",
                proposal.id,
                actor=by,
                coop_id=coop.id,
                after=_vote_values(vote),
            )
            db.session.commit()
            log.info("co-op %s voted on proposal %s (user %s)", coop.slug, proposal.id, by.id)
            return vote
    else:
        before = _vote_values(vote)
    vote.choice = choice
    vote.cast_by_id = by.id
    vote.cast_at = now
    audit.record(
        "vote.changed",
        "proposal",
        proposal.id,
        actor=by,
        coop_id=coop.id,
        before=before,
        after=_vote_values(vote),
    )
    db.session.commit()
    log.info("co-op %s changed its vote on proposal %s (user %s)", coop.slug, proposal.id, by.id)
    return vote


def _vote_values(vote: Vote) -> dict[str, Any]:
    return {"choice": str(vote.choice), "cast_by_id": vote.cast_by_id}
