"""How a co-op's membership of the federation changes, and who may leave its admins. Pure."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    ADMIT = "admit"
    DECLINE = "decline"
    SUSPEND = "suspend"
    READMIT = "readmit"


#: (current status, decision) -> new status
ADMISSION_TRANSITIONS: dict[tuple[str, Decision], str] = {
    ("applied", Decision.ADMIT): "admitted",
    ("applied", Decision.DECLINE): "declined",
    ("declined", Decision.ADMIT): "admitted",
    ("admitted", Decision.SUSPEND): "suspended",
    ("suspended", Decision.READMIT): "admitted",
}

#: decisions that must say why
NEEDS_REASON = frozenset({Decision.DECLINE, Decision.SUSPEND})


class DecisionRefused(ValueError):
    """That decision cannot be taken for a co-op in that status."""


def decide_status(status: str, decision: Decision | str) -> str:
    """The co-op's status after the decision, or DecisionRefused."""
    try:
        return ADMISSION_TRANSITIONS[(status, Decision(decision))]
    except (KeyError, ValueError):
        raise DecisionRefused(f"cannot {decision} a co-op that is {status}") from None


def leaves_an_admin(admin_ids: set[int], changed_user_id: int, stays_admin: bool) -> bool:
    """Whether the co-op still has at least one admin after the change."""
    remaining = set(admin_ids)
    if stays_admin:
        remaining.add(changed_user_id)
    else:
        remaining.discard(changed_user_id)
    return bool(remaining)
