"""Money out through Stripe: transfers to the co-ops, their reversals, refunds to buyers.

Each pending row is sent by `run` (every minute by the housekeeper, `flask payouts run`,
and right after the commit that made it: `run_for_order`, `after_refund`). A row is
claimed first, in a transaction of its own: its attempt is counted and its next attempt
put off, so that a second runner passes it over and a concurrent refund sees the
transfer's amount as fixed (it records a reversal instead of shrinking it). Then Stripe
is asked, with the row's deterministic idempotency key: a retry after a timeout, a 500
or a crash makes the same one transfer, never a second. A failure (insufficient balance,
Stripe unreachable, anything Stripe refuses) leaves the row pending with `last_error`
until its next attempt; nothing is dropped.

Stripe keeps each key's answer for 24 hours, errors included: asked again with a key
whose request it refused (insufficient balance, say), it repeats the refusal. Such a
refusal moved no money, so the row's `key_generation` moves on and its next attempt is
asked under a fresh key (`...-retry-1`, `-retry-2`, ...). An attempt whose outcome is
unknown (timeout, 5xx, Stripe unreachable) keeps its key: if Stripe did make the object,
asking again under the same key gives that object back instead of a second one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import stripe
from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from payments.stripe_gateway import NAME, enabled, stripe_client, stripe_currency, to_stripe

from ..extensions import db
from ..models import (
    Coop,
    Order,
    Refund,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from ..models.base import utcnow
from . import refunds, transfers

log = logging.getLogger(__name__)

#: Stripe refund states in which Stripe owns the refund: the buyer gets it without us
SENT_REFUND_STATES = ("succeeded", "pending", "requires_action")


@dataclass
class RunReport:
    transfers_sent: int = 0
    transfers_failed: int = 0
    reversals_done: int = 0
    reversals_failed: int = 0
    refunds_paid: int = 0
    refunds_failed: int = 0


def client() -> stripe.StripeClient:
    """The Stripe client for this app's settings."""
    return stripe_client(current_app.config)


def run(
    now: datetime | None = None,
    *,
    order_id: int | None = None,
    coop_id: int | None = None,
    limit: int = 100,
) -> RunReport:
    """Send the Stripe transfers, reversals and refunds that are due (of one order or
    co-op when given); failures wait for their next attempt."""
    now = now or utcnow()
    report = RunReport()
    if not enabled(current_app.config):
        return report
    db.session.commit()  # claims are transactions of their own
    retry = timedelta(minutes=int(current_app.config.get("PAYOUT_RETRY_MINUTES") or 15))
    api = client()
    for transfer_id in _claim(_due_transfers(now, order_id, coop_id, limit), Transfer, now + retry):
        _send_transfer(api, transfer_id, now, retry, report)
    for reversal_id in _claim(
        _due_reversals(now, order_id, coop_id, limit), TransferReversal, now + retry
    ):
        _send_reversal(api, reversal_id, now, retry, report)
    if coop_id is None:
        for refund_id in _claim(_due_refunds(now, order_id, limit), Refund, now + retry):
            _send_refund(api, refund_id, now, retry, report)
    if report != RunReport():
        log.info("stripe payouts run: %s", report)
    return report


def run_for_order(order_id: int) -> RunReport | None:
    """After a commit that made money due for an order: send it now. Never raises: what
    fails here stays pending for the next run."""
    return _quietly(run, order_id=order_id)


def run_for_coop(coop_id: int) -> RunReport | None:
    """After a co-op became ready for transfers: send what it is owed (never raises)."""
    return _quietly(run, coop_id=coop_id)


def after_refund(refund_id: int) -> RunReport | None:
    """After a refund of a Stripe order was committed: the Stripe refund and the co-op's
    transfer reversal, now (never raises)."""
    return _quietly(_run_for_refund, refund_id=refund_id)


def _run_for_refund(refund_id: int) -> RunReport | None:
    order_id = db.session.scalar(select(Refund.order_id).where(Refund.id == refund_id))
    return None if order_id is None else run(order_id=order_id)


def _quietly(work: Any, **kwargs: Any) -> RunReport | None:
    if not enabled(current_app.config):
        return None
    try:
        return work(**kwargs)
    except Exception:
        # the caller's change is committed; the next run picks up whatever is left
        db.session.rollback()
        log.exception("stripe payouts after commit failed (%s); left for the next run", kwargs)
        return None


# --- which rows are due -------------------------------------------------------------------


def _is_due(column: Any, now: datetime) -> Any:
    return or_(column.is_(None), column <= now)


def _due_transfers(now: datetime, order_id: int | None, coop_id: int | None, limit: int) -> Any:
    """Stripe transfers to send: the co-op can receive them, the order is not disputed and
    its charge is known (the transfer is made from it)."""
    query = (
        select(Transfer.id)
        .join(Order, Order.id == Transfer.order_id)
        .join(Coop, Coop.id == Transfer.coop_id)
        .where(
            Transfer.method == NAME,
            Transfer.status == TransferStatus.PENDING,
            _is_due(Transfer.next_attempt_at, now),
            Coop.stripe_ready.is_(True),
            Coop.stripe_account_id.is_not(None),
            Order.disputed_at.is_(None),
            Order.charge_id.is_not(None),
        )
        .order_by(Transfer.id)
        .limit(limit)
    )
    if order_id is not None:
        query = query.where(Transfer.order_id == order_id)
    if coop_id is not None:
        query = query.where(Transfer.coop_id == coop_id)
    return query


def _due_reversals(now: datetime, order_id: int | None, coop_id: int | None, limit: int) -> Any:
    """Reversals of Stripe transfers that were made (until then there is nothing to reverse)."""
    query = (
        select(TransferReversal.id)
        .join(Transfer, Transfer.id == TransferReversal.transfer_id)
        .where(
            Transfer.method == NAME,
            Transfer.status == TransferStatus.PAID,
            Transfer.stripe_transfer_id.is_not(None),
            TransferReversal.status == TransferStatus.PENDING,
            _is_due(TransferReversal.next_attempt_at, now),
        )
        .order_by(TransferReversal.id)
        .limit(limit)
    )
    if order_id is not None:
        query = query.where(Transfer.order_id == order_id)
    if coop_id is not None:
        query = query.where(Transfer.coop_id == coop_id)
    return query


def _due_refunds(now: datetime, order_id: int | None, limit: int) -> Any:
    """Refunds to buyers who paid through Stripe."""
    query = (
        select(Refund.id)
        .join(Order, Order.id == Refund.order_id)
        .where(
            Refund.method == NAME,
            Refund.status == RefundStatus.PENDING,
            _is_due(Refund.next_attempt_at, now),
            Order.payment_intent_id.is_not(None),
        )
        .order_by(Refund.id)
        .limit(limit)
    )
    if order_id is not None:
        query = query.where(Refund.order_id == order_id)
    return query


def _claim(due: Any, model: Any, lease_until: datetime) -> list[int]:
    """Count an attempt on each due row and put its next one off, committed before Stripe
    is asked: another runner passes these rows over."""
    if db.engine.dialect.name == "postgresql":
        # rows another runner is claiming right now are passed over, not waited for;
        # SQLite runs one write at a time, and the repeated condition below holds there
        due = due.with_for_update(skip_locked=True, of=model)
    rows = db.session.execute(
        update(model)
        .where(model.id.in_(due.scalar_subquery()), model.status == _pending(model))
        .values(attempts=model.attempts + 1, next_attempt_at=lease_until)
        .returning(model.id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted(row[0] for row in rows)


def _pending(model: Any) -> Any:
    return RefundStatus.PENDING if model is Refund else TransferStatus.PENDING


def _locked(model: Any, row_id: int) -> Any:
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _failed(model: Any, row_id: int, error: Exception, retry_at: datetime) -> None:
    row = _locked(model, row_id)
    if row is not None and row.status == _pending(model):
        row.last_error = _describe(error)
        row.next_attempt_at = retry_at
        if isinstance(error, stripe.StripeError) and _refused(error):
            row.key_generation += 1  # nothing was made under that key: ask afresh next time
    db.session.commit()


def _refused(error: stripe.StripeError) -> bool:
    """Stripe answered and said no: nothing was made under that key."""
    status = error.http_status or 0
    return 400 <= status < 500 and status not in (409, 429)


def _describe(error: Exception) -> str:
    code = getattr(error, "code", None)
    message = getattr(error, "user_message", None) or str(error) or type(error).__name__
    return (f"{code}: {message}" if code else message)[:500]


# --- sending --------------------------------------------------------------------------------


def _send_transfer(
    api: stripe.StripeClient, transfer_id: int, now: datetime, retry: timedelta, report: RunReport
) -> None:
    transfer = db.session.scalar(
        select(Transfer)
        .where(Transfer.id == transfer_id)
        .options(selectinload(Transfer.order), selectinload(Transfer.coop))
    )
    assert transfer is not None
    order, slug, key = transfer.order, transfer.coop.slug, transfer.idempotency_key
    params: dict[str, Any] = {
        "amount": to_stripe(transfer.amount, transfer.currency),
        "currency": stripe_currency(transfer.currency),
        "destination": str(transfer.coop.stripe_account_id),
        "transfer_group": order.reference,
        "source_transaction": str(order.charge_id),
        "metadata": {
            "transfer_id": str(transfer.id),
            "coop_order_id": str(transfer.coop_order_id),
            "coop_id": str(transfer.coop_id),
            "order_reference": order.reference,
        },
    }
    db.session.commit()  # no transaction stays open while Stripe is asked
    try:
        made = api.v1.transfers.create(params=params, options={"idempotency_key": key})
    except stripe.StripeError as error:
        log.warning("transfer %s to %s failed: %s", transfer_id, slug, _describe(error))
        _failed(Transfer, transfer_id, error, now + retry)
        report.transfers_failed += 1
        return
    locked = _locked(Transfer, transfer_id)
    if locked.status is TransferStatus.PENDING:  # else a webhook recorded it meanwhile
        transfers.sent(locked, stripe_transfer_id=made.id, now=now)
    db.session.commit()
    report.transfers_sent += 1
    log.info("transfer %s of %s %s sent to %s", made.id, made.amount, made.currency, slug)


def _send_reversal(
    api: stripe.StripeClient, reversal_id: int, now: datetime, retry: timedelta, report: RunReport
) -> None:
    reversal = db.session.scalar(
        select(TransferReversal)
        .where(TransferReversal.id == reversal_id)
        .options(selectinload(TransferReversal.transfer).selectinload(Transfer.order))
    )
    assert reversal is not None
    transfer = reversal.transfer
    stripe_transfer_id, key = str(transfer.stripe_transfer_id), reversal.idempotency_key
    metadata = {
        "reversal_id": str(reversal.id),
        "transfer_id": str(transfer.id),
        "order_reference": transfer.order.reference,
    }
    if reversal.refund_id is not None:
        metadata["refund_id"] = str(reversal.refund_id)
    params: dict[str, Any] = {
        "amount": to_stripe(reversal.amount, transfer.currency),
        "metadata": metadata,
    }
    db.session.commit()
    try:
        made = api.v1.transfers.reversals.create(
            stripe_transfer_id, params=params, options={"idempotency_key": key}
        )
    except stripe.StripeError as error:
        log.warning(
            "reversal %s of %s failed: %s", reversal_id, stripe_transfer_id, _describe(error)
        )
        _failed(TransferReversal, reversal_id, error, now + retry)
        report.reversals_failed += 1
        return
    locked = _locked(TransferReversal, reversal_id)
    if locked.status is TransferStatus.PENDING:  # else transfer.reversed recorded it meanwhile
        transfers.reversed_(locked, stripe_reversal_id=made.id, now=now)
    db.session.commit()
    report.reversals_done += 1


def _send_refund(
    api: stripe.StripeClient, refund_id: int, now: datetime, retry: timedelta, report: RunReport
) -> None:
    made = db.session.scalar(
        select(Refund).where(Refund.id == refund_id).options(selectinload(Refund.order))
    )
    assert made is not None
    metadata = {"refund_id": str(made.id), "order_reference": made.order.reference}
    if made.coop_order_id is not None:
        metadata["coop_order_id"] = str(made.coop_order_id)
    params: dict[str, Any] = {
        "payment_intent": str(made.order.payment_intent_id),
        "amount": to_stripe(made.amount, made.currency),
        "metadata": metadata,
    }
    key = made.processor_key
    db.session.commit()
    try:
        answer = api.v1.refunds.create(params=params, options={"idempotency_key": key})
        if answer.status not in SENT_REFUND_STATES:
            raise stripe.InvalidRequestError(
                f"Stripe answered the refund with status {answer.status}", param=None
            )
    except stripe.StripeError as error:
        log.warning("refund %s failed: %s", refund_id, _describe(error))
        _failed(Refund, refund_id, error, now + retry)
        report.refunds_failed += 1
        return
    locked = _locked(Refund, refund_id)
    if locked.status is RefundStatus.PENDING:  # else charge.refunded recorded it meanwhile
        refunds.settle_refund(locked, actor=None, processor_id=answer.id)
    db.session.commit()
    report.refunds_paid += 1
