"""A co-op fulfils its own co-op orders: accept, ship, deliver, or cancel with a reason.

The moves allowed are the pure table in `domain/orders.py`. Each change is one
transaction with its audit entry and the e-mails it causes; cancelling or expiring
gives the reserved units back exactly once (each line remembers what it reserved).
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..domain.orders import (
    CoopOrderEvent,
    OrderTransitionRefused,
    needs_reason,
    next_coop_order_status,
    restocks,
)
from ..extensions import db
from ..i18n import enum_label
from ..models import Coop, CoopOrder, CoopOrderStatus, Order, PaymentStatus, User
from ..models.base import utcnow
from . import audit, notifications, payments, refunds
from .checkout import release
from .orders import lock_row

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 2000
MAX_TRACKING_LENGTH = 120
_STAMPS = {
    "accepted": "accepted_at",
    "shipped": "shipped_at",
    "delivered": "delivered_at",
    "cancelled": "cancelled_at",
    "expired": "cancelled_at",
}

__all__ = ["OrderTransitionRefused", "ReasonRequired", "PaymentPending", "change_status"]


class ReasonRequired(ValueError):
    """A cancellation must say why (the buyer is told), in at most 2000 characters."""


class PaymentPending(ValueError):
    """The order is not paid yet: it cannot be shipped or delivered."""


class TrackingTooLong(ValueError):
    """A tracking reference has at most 120 characters."""


def coop_orders_of(coop: Coop, status: str | None = None) -> list[CoopOrder]:
    """The co-op's own co-op orders, newest first, optionally of one status."""
    query = (
        select(CoopOrder)
        .join(Order)
        .where(CoopOrder.coop_id == coop.id)
        .options(
            selectinload(CoopOrder.lines),
            selectinload(CoopOrder.order).selectinload(Order.buyer),
        )
        .order_by(Order.placed_at.desc(), CoopOrder.id.desc())
    )
    if status:
        query = query.where(CoopOrder.status == CoopOrderStatus(status))
    return list(db.session.scalars(query))


def waiting_count(coop: Coop) -> int:
    """How many of the co-op's orders wait for it: placed (to accept) or accepted (to ship)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(CoopOrder)
            .where(
                CoopOrder.coop_id == coop.id,
                CoopOrder.status.in_([CoopOrderStatus.PLACED, CoopOrderStatus.ACCEPTED]),
            )
        )
        or 0
    )


def coop_order_for(coop: Coop, coop_order_id: int) -> CoopOrder | None:
    """One of the co-op's co-op orders; None for another co-op's."""
    coop_order = db.session.get(CoopOrder, coop_order_id)
    if coop_order is None or coop_order.coop_id != coop.id:
        return None
    return coop_order


def change_status(
    coop_order: CoopOrder,
    event: str,
    *,
    actor: User | None,
    reason: str | None = None,
    tracking_reference: str | None = None,
    now: datetime | None = None,
) -> CoopOrder:
    """Move a co-op order by `event` (accept, ship, deliver, cancel) and tell the buyer."""
    locked = lock_row(coop_order)
    try:
        kind = CoopOrderEvent(event)
    except ValueError:
        raise OrderTransitionRefused(_("Unknown action.")) from None
    if kind is CoopOrderEvent.EXPIRE:
        raise OrderTransitionRefused(_("Only unpaid orders past their time expire."))
    reason = (reason or "").strip()
    tracking = (tracking_reference or "").strip()
    if needs_reason(kind) and not reason:
        raise ReasonRequired(_("Say why you cancel: the buyer is told."))
    if len(reason) > MAX_REASON_LENGTH:
        raise ReasonRequired(_("At most %(count)d characters.", count=MAX_REASON_LENGTH))
    if len(tracking) > MAX_TRACKING_LENGTH:
        raise TrackingTooLong(_("At most %(count)d characters.", count=MAX_TRACKING_LENGTH))
    _allowed(locked.status.value, kind)
    if kind in (CoopOrderEvent.SHIP, CoopOrderEvent.DELIVER) and (
        locked.order.payment_status is not PaymentStatus.PAID
    ):
        raise PaymentPending(_("The order is not paid yet: wait until the payment is received."))
    _move(locked, kind, actor=actor, reason=reason or None, tracking=tracking or None, now=now)
    db.session.commit()
    log.info(
        "co-op order %s %s by %s", locked.id, locked.status.value, actor.id if actor else "system"
    )
    if kind is CoopOrderEvent.CANCEL and locked.order.payment_method == "stripe":
        from .stripe_payouts import run_for_order  # the cancellation's refund, now

        run_for_order(locked.order_id)  # never raises: what fails waits for the next run
    return locked


def _move(
    coop_order: CoopOrder,
    kind: CoopOrderEvent,
    *,
    actor: User | None,
    reason: str | None,
    tracking: str | None,
    now: datetime | None,
) -> None:
    old = coop_order.status.value
    new = _allowed(old, kind)
    coop_order.status = CoopOrderStatus(new)
    setattr(coop_order, _STAMPS[new], now or utcnow())
    if kind is CoopOrderEvent.CANCEL:
        coop_order.cancel_reason = reason
    if tracking is not None:
        coop_order.tracking_reference = tracking
    if restocks(old, new):
        release(coop_order)
    if kind is CoopOrderEvent.CANCEL and coop_order.order.payment_status is PaymentStatus.PAID:
        # a paid co-op order that will not be fulfilled: the buyer gets all of it back
        refunds.refund_rest(coop_order, actor=actor, reason=reason or "")
    _settle_payment(coop_order.order)
    audit.record(
        f"coop_order.{kind.value}",
        "coop_order",
        coop_order.id,
        actor=actor,
        coop_id=coop_order.coop_id,
        before={"status": old},
        after={"status": new, "tracking_reference": coop_order.tracking_reference},
        reason=reason,
    )
    notifications.coop_order_changed(coop_order)


def _allowed(status: str, kind: CoopOrderEvent) -> str:
    """The status after `kind`, or OrderTransitionRefused with a message for people."""
    try:
        return next_coop_order_status(status, kind)
    except OrderTransitionRefused:
        raise OrderTransitionRefused(
            _("This order is %(status)s: it cannot be changed that way.", status=enum_label(status))
        ) from None


def _settle_payment(order: Order) -> None:
    """An unpaid order whose co-op orders have all ended owes nothing any more."""
    if order.payment_status is not PaymentStatus.PENDING:
        return
    statuses = {co.status for co in order.coop_orders}
    if statuses <= {CoopOrderStatus.CANCELLED, CoopOrderStatus.EXPIRED}:
        order.payment_status = (
            PaymentStatus.EXPIRED
            if statuses == {CoopOrderStatus.EXPIRED}
            else PaymentStatus.CANCELLED
        )
        payments.return_unapplied(order)


def expire_due(now: datetime | None = None) -> int:
    """Expire unpaid orders past their payment time and release their stock; how many."""
    now = now or utcnow()
    query = (
        select(Order)
        .where(Order.payment_status == PaymentStatus.PENDING, Order.payment_due_at <= now)
        .order_by(Order.id)
        .with_for_update(skip_locked=True)
    )
    due = list(db.session.scalars(query))
    for order in due:
        for coop_order in order.coop_orders:
            if coop_order.status in (CoopOrderStatus.PLACED, CoopOrderStatus.ACCEPTED):
                _move(
                    coop_order,
                    CoopOrderEvent.EXPIRE,
                    actor=None,
                    reason=None,
                    tracking=None,
                    now=now,
                )
        if order.payment_status is PaymentStatus.PENDING:
            order.payment_status = PaymentStatus.EXPIRED
            payments.return_unapplied(order)
    db.session.commit()
    if due:
        log.info("%d unpaid order(s) expired", len(due))
    return len(due)
