"""The co-op order's life, as a table: who may move it where, and what that does to stock.

A buyer's order holds one co-op order per co-op; each co-op moves its own through
placed -> accepted -> shipped -> delivered, or cancels it (with a reason) before it
ships. An unpaid co-op order that outlives its payment method's time limit expires.
Cancelling and expiring give the reserved stock back.
"""

from __future__ import annotations

from enum import StrEnum


class CoopOrderEvent(StrEnum):
    ACCEPT = "accept"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"
    #: the payment did not arrive in time (system only)
    EXPIRE = "expire"


#: (status, event) -> new status; anything else is refused
TRANSITIONS: dict[tuple[str, CoopOrderEvent], str] = {
    ("placed", CoopOrderEvent.ACCEPT): "accepted",
    ("placed", CoopOrderEvent.CANCEL): "cancelled",
    ("placed", CoopOrderEvent.EXPIRE): "expired",
    ("accepted", CoopOrderEvent.SHIP): "shipped",
    ("accepted", CoopOrderEvent.CANCEL): "cancelled",
    # accepted but still unpaid when the time runs out
    ("accepted", CoopOrderEvent.EXPIRE): "expired",
    ("shipped", CoopOrderEvent.DELIVER): "delivered",
}

#: statuses that end a co-op order: nothing moves it any more
FINAL = frozenset({"delivered", "cancelled", "expired"})
#: reaching these gives the co-op order's reserved units back
RESTOCKING = frozenset({"cancelled", "expired"})
#: a buyer may rate the co-op order once it is in one of these
RATEABLE = frozenset({"delivered"})


class OrderTransitionRefused(ValueError):
    """The co-op order cannot go from its status by that event."""


def next_coop_order_status(status: str, event: CoopOrderEvent | str) -> str:
    """The co-op order's status after the event, or OrderTransitionRefused."""
    try:
        return TRANSITIONS[(status, CoopOrderEvent(event))]
    except (KeyError, ValueError):
        raise OrderTransitionRefused(f"cannot {event} a co-op order that is {status}") from None


def needs_reason(event: CoopOrderEvent | str) -> bool:
    """A cancellation must say why: the buyer is told."""
    return CoopOrderEvent(event) is CoopOrderEvent.CANCEL


def restocks(old: str, new: str) -> bool:
    """Whether moving from `old` to `new` gives the reserved units back."""
    return new in RESTOCKING and old not in RESTOCKING


def order_status(coop_order_statuses: list[str]) -> str:
    """The buyer's order as a whole, from its co-op orders' statuses."""
    statuses = set(coop_order_statuses)
    if not statuses:
        raise ValueError("an order has at least one co-op order")
    if statuses <= RESTOCKING:
        return "cancelled" if "cancelled" in statuses else "expired"
    live = statuses - RESTOCKING
    if live == {"delivered"}:
        return "delivered"
    if live <= {"shipped", "delivered"}:
        return "shipped"
    return "open"
