"""The co-op order state machine, every (status, event) pair as a table."""

from __future__ import annotations

import pytest

from marketplace.domain.orders import (
    FINAL,
    TRANSITIONS,
    CoopOrderEvent,
    OrderTransitionRefused,
    needs_reason,
    next_coop_order_status,
    order_status,
    restocks,
)

STATUSES = ["placed", "accepted", "shipped", "delivered", "cancelled", "expired"]
EXPECTED = {
    ("placed", "accept"): "accepted",
    ("placed", "cancel"): "cancelled",
    ("placed", "expire"): "expired",
    ("accepted", "ship"): "shipped",
    ("accepted", "cancel"): "cancelled",
    ("accepted", "expire"): "expired",
    ("shipped", "deliver"): "delivered",
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("event", [e.value for e in CoopOrderEvent])
def test_every_status_and_event_moves_as_the_table_says(status, event):
    expected = EXPECTED.get((status, event))
    if expected is None:
        with pytest.raises(OrderTransitionRefused, match=f"cannot {event}"):
            next_coop_order_status(status, event)
    else:
        assert next_coop_order_status(status, event) == expected


def test_the_table_has_no_transition_the_test_does_not_know():
    assert {(s, e.value) for (s, e) in TRANSITIONS} == set(EXPECTED)


def test_nothing_leaves_a_final_status():
    assert all(status not in FINAL for status, _ in TRANSITIONS)


def test_an_unknown_event_is_refused_not_a_crash():
    with pytest.raises(OrderTransitionRefused):
        next_coop_order_status("placed", "teleport")


def test_a_shipped_order_can_no_longer_be_cancelled():
    with pytest.raises(OrderTransitionRefused):
        next_coop_order_status("shipped", "cancel")


def test_only_cancelling_needs_a_reason():
    assert [e.value for e in CoopOrderEvent if needs_reason(e)] == ["cancel"]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("placed", "cancelled", True),
        ("accepted", "cancelled", True),
        ("placed", "expired", True),
        ("placed", "accepted", False),
        ("shipped", "delivered", False),
        ("cancelled", "cancelled", False),  # never twice
    ],
)
def test_cancelling_and_expiring_give_the_stock_back_once(old, new, expected):
    assert restocks(old, new) is expected


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["placed"], "open"),
        (["placed", "shipped"], "open"),
        (["shipped", "delivered"], "shipped"),
        (["delivered", "delivered"], "delivered"),
        (["delivered", "cancelled"], "delivered"),
        (["cancelled", "cancelled"], "cancelled"),
        (["expired", "cancelled"], "cancelled"),
        (["expired"], "expired"),
    ],
)
def test_the_order_as_a_whole_follows_its_coop_orders(statuses, expected):
    assert order_status(statuses) == expected


def test_an_order_without_coop_orders_is_an_error():
    with pytest.raises(ValueError):
        order_status([])
