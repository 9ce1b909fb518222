"""Reading proposals for their pages: open and recent ones, a tally so far, the diff."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..authz import roles_of
from ..domain.criteria import CriterionChange, CriterionText, diff
from ..domain.permissions import Permission, allowed
from ..domain.voting import Outcome, tally
from ..extensions import db
from ..models import (
    Coop,
    CriteriaStatus,
    CriteriaVersion,
    FeePolicy,
    Label,
    MemberRole,
    Proposal,
    ProposalKind,
    ProposalStatus,
    User,
    Vote,
)
from ..models.base import utcnow
from .governance import current_fee_policy, fee_policy_values
from .proposal_closing import admitted_coop_ids

RECENT = 20


@dataclass(frozen=True)
class ProposalRow:
    """A proposal with its turnout so far (open) or its final tally (closed)."""

    proposal: Proposal
    outcome: Outcome
    #: what the proposal is about: a label, a fee policy or a co-op's name
    subject: str


@dataclass(frozen=True)
class VoteLine:
    coop: Coop
    choice: str
    cast_at: datetime
    #: False when the co-op is no longer admitted: its vote will not count
    counts: bool


@dataclass(frozen=True)
class Ballot:
    """A co-op the viewer administers, with its current vote on the proposal."""

    coop: Coop
    choice: str | None
    may_vote: bool


@dataclass
class ProposalView:
    proposal: Proposal
    outcome: Outcome
    votes: list[VoteLine]
    is_open: bool
    label: Label | None = None
    version: CriteriaVersion | None = None
    current_version: CriteriaVersion | None = None
    changes: list[CriterionChange] = field(default_factory=list)
    fee_before: dict[str, int | None] = field(default_factory=dict)
    fee_after: dict[str, int | None] = field(default_factory=dict)


def _texts(version: CriteriaVersion | None) -> list[CriterionText]:
    if version is None:
        return []
    return [
        CriterionText(c.key, c.question, c.guidance, c.evidence_required) for c in version.criteria
    ]


def _outcome(proposal: Proposal, votes: dict[int, str], eligible: set[int]) -> Outcome:
    if proposal.outcome_json:
        return Outcome(**json.loads(proposal.outcome_json))
    return tally(votes, eligible, proposal.quorum_percent, proposal.majority_percent)


def _subject(proposal: Proposal) -> str:
    if proposal.kind is ProposalKind.CRITERIA and proposal.criteria_version_id:
        version = db.session.get(CriteriaVersion, proposal.criteria_version_id)
        return version.label.name if version else ""
    if proposal.kind is ProposalKind.ADMISSION and proposal.coop:
        return proposal.coop.name
    return ""


def _rows(proposals: list[Proposal]) -> list[ProposalRow]:
    eligible = admitted_coop_ids()
    rows = []
    for proposal in proposals:
        votes = {vote.coop_id: str(vote.choice) for vote in proposal.votes}
        rows.append(ProposalRow(proposal, _outcome(proposal, votes, eligible), _subject(proposal)))
    return rows


def open_proposals() -> list[ProposalRow]:
    """Proposals open for votes, closing soonest first."""
    query = (
        select(Proposal)
        .where(Proposal.status == ProposalStatus.OPEN)
        .options(selectinload(Proposal.votes), selectinload(Proposal.coop))
        .order_by(Proposal.closes_at, Proposal.id)
    )
    return _rows(list(db.session.scalars(query)))


def recent_proposals(limit: int = RECENT) -> list[ProposalRow]:
    """Closed proposals, most recently closed first."""
    query = (
        select(Proposal)
        .where(Proposal.status != ProposalStatus.OPEN)
        .options(selectinload(Proposal.votes), selectinload(Proposal.coop))
        .order_by(Proposal.closed_at.desc(), Proposal.id.desc())
        .limit(limit)
    )
    return _rows(list(db.session.scalars(query)))


def proposal_by_id(proposal_id: int) -> Proposal | None:
    return db.session.get(Proposal, proposal_id)


def proposal_view(proposal: Proposal, now: datetime | None = None) -> ProposalView:
    """Everything the proposal page shows: what changes, the tally, each co-op's vote."""
    now = now or utcnow()
    eligible = admitted_coop_ids()
    votes = list(
        db.session.scalars(
            select(Vote)
            .where(Vote.proposal_id == proposal.id)
            .options(selectinload(Vote.coop))
            .order_by(Vote.cast_at)
        )
    )
    choices = {vote.coop_id: str(vote.choice) for vote in votes}
    view = ProposalView(
        proposal=proposal,
        outcome=_outcome(proposal, choices, eligible),
        votes=[VoteLine(v.coop, str(v.choice), v.cast_at, v.coop_id in eligible) for v in votes],
        is_open=proposal.status is ProposalStatus.OPEN and now < proposal.closes_at,
    )
    if proposal.kind is ProposalKind.CRITERIA and proposal.criteria_version_id:
        version = db.session.get(CriteriaVersion, proposal.criteria_version_id)
        assert version is not None
        view.version = version
        view.label = version.label
        view.current_version = _compared_with(version)
        view.changes = diff(_texts(view.current_version), _texts(version))
    elif proposal.kind is ProposalKind.FEE_POLICY and proposal.fee_policy_id:
        policy = db.session.get(FeePolicy, proposal.fee_policy_id)
        view.fee_after = fee_policy_values(policy)
        if proposal.status is ProposalStatus.OPEN:
            view.fee_before = fee_policy_values(current_fee_policy())
        else:
            view.fee_before = fee_policy_values(_fee_policy_before(policy))
    return view


def _compared_with(version: CriteriaVersion) -> CriteriaVersion | None:
    """The version in force when `version` was put to the vote (one open vote per label)."""
    earlier = [
        v
        for v in version.label.criteria_versions
        if v.number < version.number
        and v.status in (CriteriaStatus.CURRENT, CriteriaStatus.SUPERSEDED)
    ]
    return max(earlier, key=lambda v: v.number) if earlier else None


def _fee_policy_before(policy: FeePolicy | None) -> FeePolicy | None:
    if policy is None:
        return None
    query = select(FeePolicy).where(FeePolicy.adopted_at.is_not(None), FeePolicy.id != policy.id)
    if policy.adopted_at is not None:
        query = query.where(FeePolicy.adopted_at <= policy.adopted_at)
    return db.session.scalar(
        query.order_by(FeePolicy.adopted_at.desc(), FeePolicy.id.desc()).limit(1)
    )


def ballots(proposal: Proposal, user: User) -> list[Ballot]:
    """The co-ops `user` administers, with their current vote and whether they may vote."""
    if not getattr(user, "is_authenticated", False):
        return []
    coops = [m.coop for m in user.memberships if m.role is MemberRole.ADMIN]
    choices = {vote.coop_id: str(vote.choice) for vote in proposal.votes}
    return [
        Ballot(
            coop,
            choices.get(coop.id),
            coop.is_admitted and allowed(roles_of(user, coop), Permission.VOTE),
        )
        for coop in sorted(coops, key=lambda c: c.name)
    ]


def criteria_rows(label: Label) -> list[dict[str, object]]:
    """The label's current criteria as form rows, to start a new version from."""
    return [
        {
            "key": c.key,
            "question": c.question,
            "guidance": c.guidance,
            "evidence_required": c.evidence_required,
        }
        for c in (label.current_version.criteria if label.current_version else [])
    ] or [{}]


def fee_policy_form_values() -> dict[str, object]:
    """The fee policy in force, to start a new one from."""
    return {
        name: "" if value is None else str(value)
        for name, value in fee_policy_values(current_fee_policy()).items()
    }
