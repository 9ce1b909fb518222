"""Money in: a buyer's payment received, checked against what is due, applied to the order.

Whichever way the money came (a bank credit the federation admin entered, a line of
an imported bank statement, `flask payments mark-paid`, Stripe's payment_intent.succeeded),
it goes through `receive`: one transaction records the receipt, the ledger postings
and, once the order is paid in full, one pending transfer per co-op order. Less than
is due waits for the rest; more than is due is owed back to the buyer (an
over-payment refund); money for an order that can no longer be paid is owed back whole.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from payments.gateway import DEFAULT_METHOD

from ..domain import ledger as books
from ..domain.ledger import CoopPart, EventKind
from ..domain.split import allocate
from ..extensions import db
from ..models import (
    CoopOrder,
    Order,
    PaymentReceipt,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundKind,
    Transfer,
    TransferStatus,
    User,
)
from ..models.base import utcnow
from . import audit, ledger
from .orders import amount_due, live_coop_orders, lock_row

log = logging.getLogger(__name__)

MAX_NOTE_LENGTH = 500
#: more than any order can be worth (keeps sums inside 64-bit columns)
MAX_PAYMENT = 10**12


class PaymentRefused(ValueError):
    """The payment cannot be recorded as given; the message says why, for people."""


@dataclass(frozen=True)
class ReceiveResult:
    order: Order
    receipt: PaymentReceipt
    #: True when this payment completed the order's payment
    now_paid: bool
    #: still to pay (0 once paid)
    outstanding: int
    #: owed back to the buyer because of this payment
    owed_back: int
    #: the same payment (same source key) was recorded before: nothing changed
    duplicate: bool = False


def find_order(reference: str) -> Order | None:
    """The order a buyer's payment reference names (case and spaces do not matter)."""
    cleaned = "".join(reference.split()).upper()
    if len(cleaned) == 8 and "-" not in cleaned:
        cleaned = f"{cleaned[:4]}-{cleaned[4:]}"
    return db.session.scalar(select(Order).where(Order.reference == cleaned))


def outstanding(order: Order) -> int:
    """What the buyer still has to pay for the order (0 once paid or ended)."""
    if order.payment_status is not PaymentStatus.PENDING:
        return 0
    return max(amount_due(order) - order.amount_received, 0)


def mark_paid(
    reference: str,
    amount: int | None = None,
    *,
    actor: User | None,
    source: PaymentSource = PaymentSource.ADMIN,
    note: str = "",
    source_key: str | None = None,
) -> ReceiveResult:
    """Record a bank payment for the order with `reference`: by default exactly what is due."""
    order = find_order(reference)
    if order is None:
        raise PaymentRefused(_("No order has the reference %(reference)s.", reference=reference))
    if amount is None:
        amount = outstanding(order)
        if amount == 0:
            raise PaymentRefused(
                _(
                    "Order %(reference)s owes nothing: give the amount received.",
                    reference=reference,
                )
            )
    return receive(order, amount, source=source, actor=actor, note=note, source_key=source_key)


def receive(
    order: Order,
    amount: int,
    *,
    source: PaymentSource,
    actor: User | None = None,
    source_key: str | None = None,
    note: str = "",
    processor_fee: int = 0,
    charge_id: str | None = None,
    now: datetime | None = None,
) -> ReceiveResult:
    """Record `amount` received for `order`; the order is paid once enough has arrived."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise PaymentRefused(_("The amount received must be more than zero."))
    if amount > MAX_PAYMENT:
        raise PaymentRefused(_("That amount is too large to be a payment for an order."))
    if not 0 <= processor_fee <= amount:
        raise PaymentRefused(_("The processor's fee cannot exceed the payment."))
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise PaymentRefused(_("At most %(count)d characters.", count=MAX_NOTE_LENGTH))
    if source_key is not None:
        earlier = db.session.scalar(
            select(PaymentReceipt).where(PaymentReceipt.source_key == source_key)
        )
        if earlier is not None:
            return ReceiveResult(
                earlier.order, earlier, False, outstanding(earlier.order), 0, duplicate=True
            )
    now = now or utcnow()
    locked = lock_row(order)
    receipt = PaymentReceipt(
        order_id=locked.id,
        amount=amount,
        currency=locked.currency,
        source=source,
        source_key=source_key,
        note=note,
        recorded_by_id=actor.id if actor else None,
        received_at=now,
    )
    db.session.add(receipt)
    db.session.flush()
    ledger.post(
        EventKind.PAYMENT_RECEIVED,
        books.payment_received(amount),
        currency=locked.currency,
        order_id=locked.id,
        receipt_id=receipt.id,
        memo=f"{source.value}: {note}"[:200],
    )
    locked.amount_received += amount
    was_pending = locked.payment_status is PaymentStatus.PENDING
    owed_back = 0
    now_paid = False
    if was_pending:
        due = amount_due(locked)
        if locked.amount_received >= due:
            _apply(locked, processor_fee=processor_fee, charge_id=charge_id, now=now)
            owed_back = locked.amount_received - due
            now_paid = True
    else:
        # paid already, expired or cancelled: none of this money is owed to anyone but the buyer
        owed_back = amount
    if owed_back:
        _owe_back(locked, owed_back, key=f"receipt-{receipt.id}", actor=actor)
    audit.record(
        "order.payment_received",
        "order",
        locked.id,
        actor=actor,
        after={
            "amount": amount,
            "source": source.value,
            "received": locked.amount_received,
            "paid": locked.payment_status is PaymentStatus.PAID,
            "owed_back": owed_back,
        },
        reason=note or None,
    )
    db.session.commit()
    log.info(
        "payment of %s %s for order %s recorded by %s (%s)",
        amount,
        locked.currency,
        locked.reference,
        actor.id if actor else source.value,
        "paid" if now_paid else "waiting" if was_pending else "owed back",
    )
    return ReceiveResult(locked, receipt, now_paid, outstanding(locked), owed_back)


def _apply(order: Order, *, processor_fee: int, charge_id: str | None, now: datetime) -> None:
    """The order is paid: what each co-op order is owed, the fees, and a transfer per co-op."""
    live = live_coop_orders(order)
    order.payment_status = PaymentStatus.PAID
    order.paid_at = now
    order.payment_error = None
    if charge_id:
        order.charge_id = charge_id
    order.processor_fee_amount = processor_fee
    shares = _processor_fee_shares(processor_fee, live)
    parts = []
    for coop_order, share in zip(live, shares, strict=True):
        coop_order.processor_fee_amount = share
        parts.append(
            CoopPart(
                coop_order.id,
                coop_order.coop_id,
                coop_order.total_amount,
                coop_order.fee_amount,
                share,
            )
        )
    ledger.post(
        EventKind.PAYMENT_APPLIED,
        books.payment_applied(parts),
        currency=order.currency,
        order_id=order.id,
    )
    for part in parts:
        ledger.post(EventKind.FEE, books.fee(part), currency=order.currency, order_id=order.id)
    ledger.post(
        EventKind.PROCESSOR_FEE,
        books.processor_fee(processor_fee, parts),
        currency=order.currency,
        order_id=order.id,
    )
    for coop_order in live:
        _new_transfer(order, coop_order, now)


def _processor_fee_shares(processor_fee: int, live: list[CoopOrder]) -> list[int]:
    """Each co-op order's share of the processor fee when co-ops bear it (else none)."""
    if current_app.config.get("PROCESSOR_FEE_BEARER", "federation") != "coops" or not live:
        return [0] * len(live)
    totals = [co.total_amount for co in live]
    if not any(totals):
        return [0] * len(live)
    return allocate(processor_fee, totals, [co.total_amount - co.fee_amount for co in live])


def _new_transfer(order: Order, coop_order: CoopOrder, now: datetime) -> Transfer:
    payout = coop_order.settlement.payout
    transfer = Transfer(
        coop_order_id=coop_order.id,
        coop_id=coop_order.coop_id,
        order_id=order.id,
        currency=order.currency,
        amount=payout,
        method=order.payment_method if order.payment_method == "stripe" else DEFAULT_METHOD,
        status=TransferStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    if payout == 0:
        # nothing to send (a co-op order whose fee took it all): done at once
        transfer.status = TransferStatus.PAID
        transfer.paid_at = now
    db.session.add(transfer)
    return transfer


def _owe_back(order: Order, amount: int, *, key: str, actor: User | None) -> Refund:
    """Money the buyer sent that no order needs: listed to be paid back."""
    ledger.post(
        EventKind.OVERPAYMENT,
        books.overpayment(amount),
        currency=order.currency,
        order_id=order.id,
    )
    refund = Refund(
        order_id=order.id,
        coop_order_id=None,
        kind=RefundKind.OVERPAYMENT,
        currency=order.currency,
        amount=amount,
        reason=_("Paid more than the order was worth."),
        idempotency_key=key,
        method=order.payment_method,
        created_by_id=actor.id if actor else None,
    )
    db.session.add(refund)
    return refund


def return_unapplied(order: Order) -> int:
    """An order that ends unpaid owes back what the buyer had paid of it (no commit)."""
    if order.amount_received <= 0 or order.payment_status is PaymentStatus.PAID:
        return 0
    already = sum(
        db.session.scalars(
            select(Refund.amount).where(
                Refund.order_id == order.id, Refund.kind == RefundKind.OVERPAYMENT
            )
        )
    )
    waiting = order.amount_received - already
    if waiting > 0:
        _owe_back(order, waiting, key=f"unpaid-order-{order.id}", actor=None)
    return waiting
