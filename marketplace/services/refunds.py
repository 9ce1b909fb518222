"""Money back to a buyer: a co-op order's lines or an amount of it, in part or in full.

One transaction records the refund, what it takes back from the co-op's payout and
from the federation fee (domain.split.refund_effect), the ledger postings, and what
happens to the co-op's transfer: while it has not been tried yet it simply shrinks;
once tried or sent, a transfer reversal is recorded and retried until it is done.
The money itself goes back after the commit: a Stripe refund (services.stripe_payouts)
or a bank refund the federation admin sends and marks paid.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..domain import ledger as books
from ..domain.ledger import EventKind
from ..domain.split import refund_effect, split
from ..extensions import db
from ..i18n import money_of
from ..models import (
    CoopOrder,
    Order,
    OrderLine,
    PaymentStatus,
    Refund,
    RefundLine,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
    User,
)
from ..models.base import utcnow
from . import audit, ledger
from .orders import live_coop_orders, lock_row

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 64
MAX_REASON_LENGTH = 500


class RefundRefused(ValueError):
    """The refund cannot be made as asked; the message says why, for people."""


@dataclass(frozen=True)
class LineRefund:
    line_id: int
    quantity: int


def refundable(coop_order: CoopOrder) -> int:
    """What can still go back to the buyer for this co-op order."""
    if coop_order.order.payment_status is not PaymentStatus.PAID:
        return 0
    return coop_order.total_amount - coop_order.refunded_amount


def refunded_quantities(coop_order: CoopOrder) -> dict[int, int]:
    """Order line id -> units refunded so far."""
    rows = db.session.execute(
        select(RefundLine.order_line_id, func.sum(RefundLine.quantity))
        .join(OrderLine, OrderLine.id == RefundLine.order_line_id)
        .where(OrderLine.coop_order_id == coop_order.id)
        .group_by(RefundLine.order_line_id)
    ).all()
    return {line_id: int(quantity) for line_id, quantity in rows}


def refund(
    coop_order: CoopOrder,
    *,
    actor: User | None,
    idempotency_key: str,
    amount: int | None = None,
    lines: Sequence[LineRefund] | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> tuple[Refund, bool]:
    """Refund `amount`, or units of `lines`, of a paid co-op order; (refund, created now).

    The same idempotency key gives back the refund it made the first time.
    """
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise RefundRefused(
            _("Give an idempotency key of 1 to %(count)d characters.", count=MAX_KEY_LENGTH)
        )
    earlier = by_key(coop_order, key)
    if earlier is not None:
        return earlier, False
    locked = lock_row(coop_order)
    made = _refund(locked, actor=actor, key=key, amount=amount, lines=lines, reason=reason, now=now)
    db.session.commit()
    log.info(
        "refund %s of %s %s on co-op order %s by %s",
        made.id,
        made.amount,
        made.currency,
        locked.id,
        actor.id if actor else "system",
    )
    if made.method == "stripe":
        from .stripe_payouts import after_refund  # the Stripe refund and reversal, now

        after_refund(made.id)  # never raises: what fails stays pending for the next run
    return made, True


def refund_rest(coop_order: CoopOrder, *, actor: User | None, reason: str) -> Refund | None:
    """Refund whatever is left of a paid co-op order (it was cancelled); no commit."""
    left = refundable(coop_order)
    if left <= 0:
        return None
    return _refund(
        coop_order,
        actor=actor,
        key=f"cancelled-{coop_order.id}",
        amount=left,
        lines=None,
        reason=reason or _("The co-op order was cancelled."),
        now=None,
    )


def refund_from_processor(
    order: Order, amount: int, *, processor_id: str, reason: str = ""
) -> list[Refund]:
    """A refund the processor made that we did not ask for (e.g. on Stripe's dashboard):
    shared over the order's co-op orders in proportion to what is left of each, recorded
    and paid, the co-ops' transfers reversed by their shares (no commit).

    Each part's idempotency key names the processor's refund; only the first part carries
    its id (`stripe_refund_id` is unique)."""
    live = [lock_row(co) for co in live_coop_orders(order) if refundable(co) > 0]
    left = [refundable(co) for co in live]
    if amount <= 0 or amount > sum(left):
        raise RefundRefused(
            _(
                "At most %(left)s can still be refunded on this order.",
                left=money_of(sum(left), order.currency),
            )
        )
    key = f"processor-{processor_id}"[:MAX_KEY_LENGTH]
    made: list[Refund] = []
    for coop_order, part in zip(live, split(amount, left), strict=True):
        if part == 0:
            continue
        one = _refund(
            coop_order, actor=None, key=key, amount=part, lines=None, reason=reason, now=None
        )
        settle_refund(one, actor=None, processor_id=None if made else processor_id)
        made.append(one)
    return made


def by_key(coop_order: CoopOrder, key: str) -> Refund | None:
    """The co-op order's refund made with this idempotency key, if one was."""
    if not key:
        return None
    return db.session.scalar(
        select(Refund).where(Refund.coop_order_id == coop_order.id, Refund.idempotency_key == key)
    )


def _refund(
    coop_order: CoopOrder,
    *,
    actor: User | None,
    key: str,
    amount: int | None,
    lines: Sequence[LineRefund] | None,
    reason: str,
    now: datetime | None,
) -> Refund:
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON_LENGTH:
        raise RefundRefused(_("At most %(count)d characters.", count=MAX_REASON_LENGTH))
    order = coop_order.order
    if order.payment_status is not PaymentStatus.PAID:
        raise RefundRefused(_("The order is not paid: there is nothing to refund."))
    if (amount is None) == (not lines):
        raise RefundRefused(_("Give either an amount or the lines to refund."))
    refund_lines = _line_refunds(coop_order, lines) if lines else []
    if refund_lines:
        amount = sum(line.amount for line in refund_lines)
    assert amount is not None
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise RefundRefused(_("The amount to refund must be more than zero."))
    left = refundable(coop_order)
    if amount > left:
        raise RefundRefused(
            _(
                "At most %(left)s can still be refunded on this order.",
                left=money_of(left, order.currency),
            )
            if left
            else _("This order has been refunded in full.")
        )
    effect = refund_effect(coop_order.settlement, amount)
    made = Refund(
        order_id=order.id,
        coop_order_id=coop_order.id,
        currency=order.currency,
        amount=amount,
        reversal_amount=effect.reversal,
        fee_returned=effect.fee_returned,
        processor_fee_released=effect.processor_fee_released,
        reason=reason,
        idempotency_key=key,
        method=order.payment_method,
        status=RefundStatus.PENDING,
        created_by_id=actor.id if actor else None,
        created_at=now or utcnow(),
        next_attempt_at=now or utcnow(),
        lines=refund_lines,
    )
    db.session.add(made)
    coop_order.refunded_amount += amount
    db.session.flush()
    ledger.post(
        EventKind.REFUND,
        books.refund(effect, coop_order.id, coop_order.coop_id),
        currency=order.currency,
        order_id=order.id,
        refund_id=made.id,
        memo=reason[:200],
    )
    _take_back(coop_order, made, effect.reversal)
    audit.record(
        "coop_order.refund",
        "coop_order",
        coop_order.id,
        actor=actor,
        coop_id=coop_order.coop_id,
        after={
            "refund": made.id,
            "amount": amount,
            "reversal": effect.reversal,
            "fee_returned": effect.fee_returned,
            "lines": {line.order_line_id: line.quantity for line in refund_lines},
        },
        reason=reason or None,
    )
    return made


def _line_refunds(coop_order: CoopOrder, lines: Sequence[LineRefund]) -> list[RefundLine]:
    """RefundLines for the asked units, or RefundRefused naming the line that is wrong."""
    by_id = {line.id: line for line in coop_order.lines}
    done = refunded_quantities(coop_order)
    wanted: dict[int, int] = {}
    for item in lines:
        line = by_id.get(item.line_id)
        if line is None:
            raise RefundRefused(_("Line %(line)s is not part of this order.", line=item.line_id))
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            raise RefundRefused(_("A quantity is a whole number."))
        if item.quantity <= 0:
            raise RefundRefused(_("Refund at least one unit of each line you name."))
        wanted[line.id] = wanted.get(line.id, 0) + item.quantity
    result = []
    for line_id, quantity in wanted.items():
        line = by_id[line_id]
        left = line.quantity - done.get(line_id, 0)
        if quantity > left:
            raise RefundRefused(
                _(
                    "Only %(left)d of “%(title)s” can still be refunded.",
                    left=left,
                    title=line.title,
                )
            )
        result.append(
            RefundLine(order_line_id=line_id, quantity=quantity, amount=line.unit_price * quantity)
        )
    return result


def _take_back(coop_order: CoopOrder, made: Refund, reversal: int) -> None:
    """Take the co-op's part of the refund out of its transfer, or reverse it once sent."""
    transfer = db.session.scalar(
        select(Transfer).where(Transfer.coop_order_id == coop_order.id).with_for_update()
    )
    if transfer is None or reversal == 0:
        return
    if transfer.status is TransferStatus.PENDING and transfer.attempts == 0:
        transfer.amount -= reversal
        if transfer.amount == 0:
            transfer.status = TransferStatus.PAID
            transfer.paid_at = utcnow()
        return
    db.session.add(
        TransferReversal(
            transfer_id=transfer.id,
            refund_id=made.id,
            coop_id=coop_order.coop_id,
            amount=reversal,
            status=TransferStatus.PENDING,
            next_attempt_at=utcnow(),
        )
    )


def mark_refund_paid(refund_id: int, *, actor: User | None) -> Refund:
    """The federation sent a bank refund to the buyer: record it (once)."""
    made = db.session.scalar(select(Refund).where(Refund.id == refund_id).with_for_update())
    if made is None:
        raise RefundRefused(_("No such refund."))
    if made.status is RefundStatus.PAID:
        return made
    settle_refund(made, actor=actor)
    db.session.commit()
    return made


def settle_refund(made: Refund, *, actor: User | None, processor_id: str | None = None) -> None:
    """The buyer has the money back: the refund is paid (no commit)."""
    made.status = RefundStatus.PAID
    made.paid_at = utcnow()
    made.last_error = None
    if processor_id:
        made.stripe_refund_id = processor_id
    coop_id = made.coop_order.coop_id if made.coop_order else None
    ledger.post(
        EventKind.REFUND_PAID,
        books.refund_paid(made.amount, made.coop_order_id, coop_id),
        currency=made.currency,
        order_id=made.order_id,
        refund_id=made.id,
    )
    audit.record(
        "refund.paid",
        "order",
        made.order_id,
        actor=actor,
        coop_id=coop_id,
        after={"refund": made.id, "amount": made.amount},
    )
