"""What the federation admin's bank desk lists: orders awaiting a bank transfer, bank refunds
to send, transfers paid lately; and the sentence that says what a recorded payment did.

The money itself moves through services.payments, services.refunds and services.transfers;
this module only reads, apart from `send_bank_refund`, which checks the refund is one the
admin sends by bank before handing it to refunds.mark_refund_paid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from payments.gateway import DEFAULT_METHOD

from ..extensions import db
from ..models import (
    Order,
    PaymentStatus,
    Refund,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
    User,
)
from . import payments, refunds

#: orders shown on the payments page; the rest are found by their reference
ORDERS_SHOWN = 200
TRANSFERS_SHOWN = 50


@dataclass(frozen=True)
class AwaitingOrder:
    order: Order
    #: what the buyer has to pay in all (the co-op orders still live)
    due: int
    outstanding: int


def awaiting_payment(reference: str = "") -> tuple[list[AwaitingOrder], int]:
    """Bank-transfer orders still unpaid, the oldest due first, and how many there are.

    With `reference`, just that order, whatever its state (a late payment is owed back).
    """
    if reference.strip():
        order = payments.find_order(reference)
        found = [order] if order is not None else []
        return [_awaiting(o) for o in found], len(found)
    pending = (Order.payment_status == PaymentStatus.PENDING) & (
        Order.payment_method == DEFAULT_METHOD
    )
    count = db.session.scalar(select(func.count(Order.id)).where(pending)) or 0
    orders = db.session.scalars(
        select(Order)
        .where(pending)
        .options(selectinload(Order.buyer), selectinload(Order.coop_orders))
        .order_by(Order.payment_due_at.is_(None), Order.payment_due_at, Order.id)
        .limit(ORDERS_SHOWN)
    )
    return [_awaiting(order) for order in orders], count


def _awaiting(order: Order) -> AwaitingOrder:
    outstanding = payments.outstanding(order)
    if order.payment_status is PaymentStatus.PENDING:
        return AwaitingOrder(order, order.amount_received + outstanding, outstanding)
    return AwaitingOrder(order, order.total_amount, 0)


def bank_refunds_to_send() -> Sequence[Refund]:
    """Refunds the federation still has to pay back by bank, the oldest first."""
    return db.session.scalars(
        select(Refund)
        .where(Refund.status == RefundStatus.PENDING, Refund.method == DEFAULT_METHOD)
        .options(selectinload(Refund.order).selectinload(Order.buyer))
        .order_by(Refund.created_at, Refund.id)
    ).all()


def send_bank_refund(refund_id: int, *, actor: User) -> Refund:
    """The admin sent a bank refund: record it paid (Stripe refunds are Stripe's to pay)."""
    method = db.session.scalar(select(Refund.method).where(Refund.id == refund_id))
    if method is None:
        raise refunds.RefundRefused(_("No such refund."))
    if method != DEFAULT_METHOD:
        raise refunds.RefundRefused(_("That refund goes back through the card payment."))
    return refunds.mark_refund_paid(refund_id, actor=actor)


def recent_transfers(limit: int = TRANSFERS_SHOWN) -> Sequence[Transfer]:
    """The transfers paid lately, newest first: what each co-op received, exactly."""
    return db.session.scalars(
        select(Transfer)
        .where(Transfer.status == TransferStatus.PAID)
        .options(selectinload(Transfer.coop), selectinload(Transfer.order))
        .order_by(Transfer.paid_at.desc(), Transfer.id.desc())
        .limit(limit)
    ).all()


def failures_waiting() -> list[str]:
    """Transfers, reversals and refunds whose last attempt failed, waiting for the next one."""
    lines = []
    for transfer in db.session.scalars(
        select(Transfer)
        .where(Transfer.status == TransferStatus.PENDING, Transfer.last_error.is_not(None))
        .options(selectinload(Transfer.coop), selectinload(Transfer.order))
        .order_by(Transfer.id)
    ):
        lines.append(
            f"transfer {transfer.id} to {transfer.coop.slug} for order "
            f"{transfer.order.reference}: {transfer.last_error}"
        )
    for reversal in db.session.scalars(
        select(TransferReversal)
        .where(
            TransferReversal.status == TransferStatus.PENDING,
            TransferReversal.last_error.is_not(None),
        )
        .order_by(TransferReversal.id)
    ):
        lines.append(
            f"reversal {reversal.id} of transfer {reversal.transfer_id}: {reversal.last_error}"
        )
    for refund in db.session.scalars(
        select(Refund)
        .where(Refund.status == RefundStatus.PENDING, Refund.last_error.is_not(None))
        .options(selectinload(Refund.order))
        .order_by(Refund.id)
    ):
        lines.append(f"refund {refund.id} for order {refund.order.reference}: {refund.last_error}")
    return lines


def pending_transfers(order: Order) -> int:
    """How many of the order's co-op transfers wait to be sent."""
    return (
        db.session.scalar(
            select(func.count(Transfer.id)).where(
                Transfer.order_id == order.id, Transfer.status == TransferStatus.PENDING
            )
        )
        or 0
    )


def payment_outcome(result: payments.ReceiveResult, money: Callable[[int, str], str]) -> str:
    """ "Order K7Q4-M2XD: received 74.99 EUR, paid in full; 3 co-op transfers pending"."""
    order, cur = result.order, result.order.currency
    head = _(
        "Order %(reference)s: received %(amount)s",
        reference=order.reference,
        amount=money(result.receipt.amount, cur),
    )
    if result.duplicate:
        return _(
            "Order %(reference)s: this payment was recorded before; nothing changed",
            reference=order.reference,
        )
    parts = [head]
    if result.now_paid:
        waiting = pending_transfers(order)
        parts.append(
            _("paid in full")
            + "; "
            + ngettext("%(num)d co-op transfer pending", "%(num)d co-op transfers pending", waiting)
        )
    elif result.outstanding:
        parts.append(_("%(owed)s still owed", owed=money(result.outstanding, cur)))
    elif result.owed_back:
        parts.append(_("but the order was already paid or has ended"))
    if result.owed_back:
        parts.append(_("%(back)s owed back to the buyer", back=money(result.owed_back, cur)))
    return ", ".join(parts[:2]) + "".join(f"; {part}" for part in parts[2:])
