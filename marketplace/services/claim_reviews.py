"""Label claims, the review board's side: the queue, decisions, revoking, expiry and reminders.

A reviewer never decides a claim of a co-op they belong to, checked against their
memberships at the moment of the decision (so joining the co-op mid-review counts).
Every decision is a ClaimReview row and an audit entry, committed together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import mail
from ..authz import can
from ..domain.claims import ClaimEvent, approvals_complete, may_review
from ..domain.messages import N_
from ..domain.permissions import Permission
from ..extensions import db
from ..models import (
    ClaimReview,
    ClaimStatus,
    CriteriaStatus,
    Label,
    LabelClaim,
    MemberRole,
    Membership,
    ReviewDecision,
    User,
)
from ..models.base import utcnow
from . import audit
from .claims import (
    ClaimNotAllowed,
    ClaimProblem,
    ClaimStateRefused,
    _commit,
    _facts,
    _next,
)

log = logging.getLogger(__name__)

MAX_REASON = 5000
_ACTIONS = {
    ReviewDecision.REJECT: ("claim.rejected", ClaimEvent.REJECT),
    ReviewDecision.REQUEST_CHANGES: ("claim.changes_requested", ClaimEvent.REQUEST_CHANGES),
}


class ReasonRequired(ClaimProblem):
    template = N_("Write a reason (at most %(limit)d characters): the co-op will read it.")

    def __init__(self) -> None:
        super().__init__(limit=MAX_REASON)


class OwnCoopClaim(ClaimProblem):
    template = N_("You belong to this co-op, so you cannot decide its claims.")


class AlreadyApproved(ClaimProblem):
    template = N_("You have already approved this claim; another reviewer must approve it too.")


@dataclass(frozen=True)
class QueueEntry:
    claim: LabelClaim
    round: int
    approvals: int


def reviewer_coop_ids(reviewer: User) -> set[int]:
    """The co-ops the reviewer belongs to now or ever belonged to (leaving a co-op, which
    needs nobody's approval, must not open its claims to the reviewer)."""
    current = set(
        db.session.scalars(select(Membership.coop_id).where(Membership.user_id == reviewer.id))
    )
    return current | audit.coops_ever_joined(reviewer.id)


def may_decide(claim: LabelClaim, reviewer: User) -> bool:
    """Whether the reviewer may decide this claim (board member, not of the claiming co-op)."""
    return can(Permission.REVIEW_CLAIMS, user=reviewer) and may_review(
        reviewer_coop_ids(reviewer), claim.coop_id
    )


def approvals_required() -> int:
    """How many different reviewers must approve a claim (the setting, at least 1)."""
    return max(int(current_app.config["CLAIM_APPROVALS_REQUIRED"]), 1)


def approvers_this_round(claim: LabelClaim) -> set[int]:
    """Reviewers who approved since the claim was last submitted."""
    since = claim.submitted_at
    return {
        review.reviewer_id
        for review in claim.reviews
        if review.decision is ReviewDecision.APPROVE
        and since is not None
        and review.created_at >= since
    }


def review(
    claim: LabelClaim,
    reviewer: User,
    decision: ReviewDecision | str,
    reason: str,
    now: datetime | None = None,
) -> LabelClaim:
    """Record a reviewer's decision with its reason; approve once enough reviewers approved."""
    decision = ReviewDecision(decision)
    now = now or utcnow()
    reason = (reason or "").strip()
    if not reason or len(reason) > MAX_REASON:
        raise ReasonRequired()
    _ensure_may_decide(claim, reviewer)
    if claim.status is not ClaimStatus.SUBMITTED:
        raise ClaimStateRefused(status=str(claim.status))
    if decision is ReviewDecision.APPROVE and reviewer.id in approvers_this_round(claim):
        raise AlreadyApproved()
    before = _facts(claim)
    db.session.add(
        ClaimReview(
            claim=claim,
            reviewer_id=reviewer.id,
            decision=decision,
            reason=reason,
            criteria_version_id=claim.criteria_version_id,
            created_at=now,
        )
    )
    # Touching the claim bumps its version: two decisions at the same moment cannot both count.
    claim.decided_at = now
    if decision is ReviewDecision.APPROVE:
        action = _approve(claim, reviewer, reason, now)
    else:
        action, event = _ACTIONS[decision]
        claim.status = _next(claim, event)
        claim.decision_reason = reason
    audit.record(
        action,
        "claim",
        claim.id,
        actor=reviewer,
        coop_id=claim.coop_id,
        before=before,
        after=_facts(claim) | {"decision": str(decision)},
        reason=reason,
    )
    _commit()
    log.info("claim %s: %s by reviewer %s", claim.id, action, reviewer.id)
    return claim


def _approve(claim: LabelClaim, reviewer: User, reason: str, now: datetime) -> str:
    # An earlier approver who has since joined the claiming co-op is no longer independent.
    approvers = {
        user.id
        for user in db.session.scalars(select(User).where(User.id.in_(approvers_this_round(claim))))
        if may_review(reviewer_coop_ids(user), claim.coop_id)
    }
    required = int(current_app.config["CLAIM_APPROVALS_REQUIRED"])
    if not approvals_complete(len(approvers | {reviewer.id}), required):
        return "claim.approval_recorded"
    claim.status = _next(claim, ClaimEvent.APPROVE)
    claim.decision_reason = reason
    claim.approved_at = now
    claim.expires_at = now + timedelta(days=int(current_app.config["CLAIM_APPROVAL_DAYS"]))
    # Checked against criteria that were replaced meanwhile: due for review again, as
    # every claim of the older version is when new criteria are adopted.
    outdated = claim.criteria_version.status is not CriteriaStatus.CURRENT
    grace = timedelta(days=int(current_app.config["REREVIEW_GRACE_DAYS"]))
    claim.rereview_due_at = now + grace if outdated else None
    claim.reminded_at = None
    return "claim.approved"


def revoke(
    claim: LabelClaim, by: User, reason: str = "", now: datetime | None = None
) -> LabelClaim:
    """Withdraw a claim: the board (with a reason), or the co-op's admin before approval."""
    reason = (reason or "").strip()
    board = may_decide(claim, by)
    if not board:
        if not can(Permission.CLAIM_LABELS, claim.coop, user=by):
            raise ClaimNotAllowed()
        if claim.status is ClaimStatus.APPROVED:
            raise ClaimNotAllowed(N_("An approved claim can only be revoked by the review board."))
    if (board and not reason) or len(reason) > MAX_REASON:
        raise ReasonRequired()
    before = _facts(claim)
    claim.status = _next(claim, ClaimEvent.REVOKE)
    claim.decided_at = now or utcnow()
    claim.decision_reason = reason or None
    action = "claim.revoked" if board else "claim.withdrawn"
    audit.record(
        action,
        "claim",
        claim.id,
        actor=by,
        coop_id=claim.coop_id,
        before=before,
        after=_facts(claim),
        reason=reason,
    )
    _commit()
    log.info("claim %s: %s by user %s", claim.id, action, by.id)
    return claim


def expire_due(now: datetime | None = None) -> int:
    """Expire approved claims past their expiry or their re-review deadline; how many."""
    now = now or utcnow()
    due = list(
        db.session.scalars(
            select(LabelClaim)
            .where(
                LabelClaim.status == ClaimStatus.APPROVED,
                or_(LabelClaim.expires_at <= now, LabelClaim.rereview_due_at <= now),
            )
            .options(selectinload(LabelClaim.label), selectinload(LabelClaim.criteria_version))
        )
    )
    for claim in due:
        before = _facts(claim)
        claim.status = _next(claim, ClaimEvent.EXPIRE)
        audit.record(
            "claim.expired",
            "claim",
            claim.id,
            coop_id=claim.coop_id,
            before=before,
            after=_facts(claim),
        )
    if due:
        _commit()
        log.info("%d claim(s) expired", len(due))
    return len(due)


def remind_due(now: datetime | None = None) -> int:
    """E-mail the admins of co-ops whose approval runs out soon (once per approval); how many."""
    now = now or utcnow()
    horizon = now + timedelta(days=int(current_app.config["CLAIM_REMINDER_DAYS"]))
    due = list(
        db.session.scalars(
            select(LabelClaim)
            .where(
                LabelClaim.status == ClaimStatus.APPROVED,
                LabelClaim.reminded_at.is_(None),
                or_(LabelClaim.expires_at <= horizon, LabelClaim.rereview_due_at <= horizon),
            )
            .options(selectinload(LabelClaim.label), selectinload(LabelClaim.listing))
        )
    )
    for claim in due:
        claim.reminded_at = now
        subject, body = _reminder(claim)
        # written with the reminder, sent after its commit: no mail for an unsaved reminder
        mail.queue(_admin_emails(claim), subject, body)
    if due:
        _commit()
    return len(due)


def _admin_emails(claim: LabelClaim) -> list[str]:
    return list(
        db.session.scalars(
            select(User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.coop_id == claim.coop_id, Membership.role == MemberRole.ADMIN)
            .order_by(User.email)
        )
    )


def _reminder(claim: LabelClaim) -> tuple[str, str]:
    deadlines = [d for d in (claim.expires_at, claim.rereview_due_at) if d is not None]
    until = min(deadlines).date().isoformat()
    target = claim.listing.title if claim.listing else claim.coop.name
    subject = f"Renew your {claim.label.name} label by {until}"
    body = (
        f"The {claim.label.name} label of {target} stops showing as verified on {until}.\n\n"
        "Renew the claim from your co-op dashboard (Label claims) so the review board can check it"
        " again in time.\n"
    )
    return subject, body


def queue(label_slug: str | None = None) -> list[QueueEntry]:
    """Claims waiting for the board, oldest submission first (optionally of one label)."""
    query = (
        select(LabelClaim)
        .where(LabelClaim.status == ClaimStatus.SUBMITTED)
        .options(
            selectinload(LabelClaim.label),
            selectinload(LabelClaim.coop),
            selectinload(LabelClaim.listing),
            selectinload(LabelClaim.reviews),
        )
        .order_by(LabelClaim.submitted_at, LabelClaim.id)
    )
    if label_slug:
        query = query.join(Label, Label.id == LabelClaim.label_id).where(Label.slug == label_slug)
    claims = list(db.session.scalars(query))
    rounds = rounds_of([claim.id for claim in claims])
    return [
        QueueEntry(claim, rounds.get(claim.id, 1), len(approvers_this_round(claim)))
        for claim in claims
    ]


def rounds_of(claim_ids: list[int]) -> dict[int, int]:
    """How many times each claim was sent to the board (submitted or renewed)."""
    if not claim_ids:
        return {}
    return audit.counts_by_subject("claim", claim_ids, ["claim.submitted", "claim.renewed"])


def _ensure_may_decide(claim: LabelClaim, reviewer: User) -> None:
    if not can(Permission.REVIEW_CLAIMS, user=reviewer):
        raise ClaimNotAllowed()
    if not may_review(reviewer_coop_ids(reviewer), claim.coop_id):
        raise OwnCoopClaim()
