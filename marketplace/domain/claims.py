"""Label claims: how a claim's status may change, and when a label counts as verified. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class ClaimEvent(StrEnum):
    SUBMIT = "submit"  #: the co-op sends the claim to the review board
    REQUEST_CHANGES = "request_changes"  #: a reviewer asks for more or other answers
    APPROVE = "approve"  #: the last approval the setting requires
    REJECT = "reject"
    EXPIRE = "expire"  #: the approval ran out, or a re-review was not done in time
    REVOKE = "revoke"  #: the board withdraws an approval (or the co-op its own claim)
    RENEW = "renew"  #: the co-op sends an approved or expired claim for review again
    #: renewing against newer criteria the claim does not answer yet: the co-op answers first
    REOPEN = "reopen"


#: (status, event) -> new status; everything else is refused
TRANSITIONS: dict[tuple[str, ClaimEvent], str] = {
    ("draft", ClaimEvent.SUBMIT): "submitted",
    ("changes_requested", ClaimEvent.SUBMIT): "submitted",
    ("submitted", ClaimEvent.REQUEST_CHANGES): "changes_requested",
    ("submitted", ClaimEvent.APPROVE): "approved",
    ("submitted", ClaimEvent.REJECT): "rejected",
    ("approved", ClaimEvent.EXPIRE): "expired",
    ("approved", ClaimEvent.REVOKE): "revoked",
    ("approved", ClaimEvent.RENEW): "submitted",
    ("expired", ClaimEvent.RENEW): "submitted",
    ("approved", ClaimEvent.REOPEN): "changes_requested",
    ("expired", ClaimEvent.REOPEN): "changes_requested",
    ("draft", ClaimEvent.REVOKE): "revoked",
    ("submitted", ClaimEvent.REVOKE): "revoked",
    ("changes_requested", ClaimEvent.REVOKE): "revoked",
}

#: statuses in which the co-op may still edit its answers
EDITABLE = frozenset({"draft", "changes_requested"})
#: statuses in which a claim waits for the review board
IN_REVIEW = frozenset({"submitted"})


class ClaimTransitionRefused(ValueError):
    """The claim cannot go from its status by that event."""


def next_claim_status(status: str, event: ClaimEvent | str) -> str:
    """The claim's status after the event, or ClaimTransitionRefused."""
    try:
        return TRANSITIONS[(status, ClaimEvent(event))]
    except (KeyError, ValueError):
        raise ClaimTransitionRefused(f"cannot {event} a claim that is {status}") from None


@dataclass(frozen=True)
class ClaimFacts:
    """What decides whether a claim makes its label show as verified."""

    status: str
    expires_at: datetime | None
    rereview_due_at: datetime | None


def is_verified(claim: ClaimFacts, now: datetime) -> bool:
    """Approved, not expired, and not past the deadline of a due re-review."""
    if claim.status != "approved" or claim.expires_at is None or claim.expires_at <= now:
        return False
    return claim.rereview_due_at is None or claim.rereview_due_at > now


def approvals_complete(distinct_approvers: int, required: int) -> bool:
    """Whether enough different reviewers have approved (the setting asks for 1 or 2)."""
    return distinct_approvers >= max(required, 1)


def may_review(reviewer_coop_ids: set[int], claim_coop_id: int) -> bool:
    """A reviewer never decides a claim of a co-op they belong to."""
    return claim_coop_id not in reviewer_coop_ids
