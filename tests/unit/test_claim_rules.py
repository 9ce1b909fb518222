"""The claim state machine and the rules of verification, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.domain.claims import (
    EDITABLE,
    TRANSITIONS,
    ClaimEvent,
    ClaimFacts,
    ClaimTransitionRefused,
    approvals_complete,
    is_verified,
    may_review,
    next_claim_status,
)

STATUSES = [
    "draft",
    "submitted",
    "changes_requested",
    "approved",
    "rejected",
    "expired",
    "revoked",
]
EXPECTED = {
    ("draft", "submit"): "submitted",
    ("draft", "revoke"): "revoked",
    ("changes_requested", "submit"): "submitted",
    ("changes_requested", "revoke"): "revoked",
    ("submitted", "request_changes"): "changes_requested",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "revoke"): "revoked",
    ("approved", "expire"): "expired",
    ("approved", "revoke"): "revoked",
    ("approved", "renew"): "submitted",
    ("expired", "renew"): "submitted",
    ("approved", "reopen"): "changes_requested",
    ("expired", "reopen"): "changes_requested",
}
PAIRS = [(status, event) for status in STATUSES for event in ClaimEvent]


def test_the_transition_table_is_exactly_the_expected_one():
    assert {(status, str(event)): new for (status, event), new in TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("status", "event"), PAIRS, ids=[f"{s}-{e}" for s, e in PAIRS])
def test_every_status_and_event_pair_is_allowed_or_refused(status, event):
    expected = EXPECTED.get((status, str(event)))
    if expected is None:
        with pytest.raises(ClaimTransitionRefused):
            next_claim_status(status, event)
    else:
        assert next_claim_status(status, event) == expected


def test_an_unknown_event_is_refused():
    with pytest.raises(ClaimTransitionRefused):
        next_claim_status("draft", "publish")


def test_rejected_and_revoked_claims_are_final():
    for status in ("rejected", "revoked"):
        for event in ClaimEvent:
            with pytest.raises(ClaimTransitionRefused):
                next_claim_status(status, event)


def test_only_drafts_and_claims_with_changes_requested_are_editable():
    assert {"draft", "changes_requested"} == EDITABLE


NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("status", "expires_at", "rereview_due_at", "verified"),
    [
        ("approved", NOW + DAY, None, True),
        ("approved", NOW + DAY, NOW + DAY, True),
        ("approved", NOW, None, False),  # expiry is exclusive
        ("approved", NOW - DAY, None, False),
        ("approved", NOW + DAY, NOW, False),  # re-review deadline reached
        ("approved", NOW + DAY, NOW - DAY, False),
        ("approved", None, None, False),
        ("submitted", NOW + DAY, None, False),
        ("expired", NOW + DAY, None, False),
        ("revoked", NOW + DAY, None, False),
        ("draft", None, None, False),
    ],
)
def test_is_verified(status, expires_at, rereview_due_at, verified):
    assert is_verified(ClaimFacts(status, expires_at, rereview_due_at), NOW) is verified


@pytest.mark.parametrize(
    ("approvers", "required", "complete"),
    [
        (0, 1, False),
        (1, 1, True),
        (1, 2, False),
        (2, 2, True),
        (3, 2, True),
        (1, 0, True),
        (0, 0, False),
    ],
)
def test_approvals_complete(approvers, required, complete):
    assert approvals_complete(approvers, required) is complete


@pytest.mark.parametrize(
    ("reviewer_coops", "claim_coop", "allowed"),
    [(set(), 1, True), ({2, 3}, 1, True), ({1}, 1, False), ({1, 2}, 2, False)],
)
def test_may_review(reviewer_coops, claim_coop, allowed):
    assert may_review(reviewer_coops, claim_coop) is allowed
