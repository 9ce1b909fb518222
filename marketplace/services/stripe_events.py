"""Stripe's webhook events: verified, applied once, safe in any order.

- Each event is verified on the raw body and recorded (StripeEvent) in the same
  transaction as its effect, so a redelivered event finds its id and changes nothing.
- Events may come in any order, so each handler works from the state of the object
  (fetched again from Stripe where the event's copy may be stale), never from the events
  seen before: a refund can be recorded before the payment's own event arrives, and an
  old account.updated cannot undo a newer one, because readiness is read from the account
  as it is now (an event's `created` has one-second resolution: it cannot order two
  updates of the same second).
- An effect made of several steps (the payment applied, then a refund on it) commits
  each step idempotently (by its own key) and the event with the last one.
- A handler that cannot ask Stripe raises stripe.StripeError: nothing is recorded and
  Stripe delivers the event again later.

Handled: payment_intent.succeeded, payment_intent.payment_failed, charge.refunded,
charge.dispute.created, transfer.reversed, account.updated; any other type is recorded
and ignored. A refund that fails after Stripe accepted it (refund.failed) is not handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import stripe
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payments.stripe_gateway import NAME, from_stripe, to_stripe

from .. import mail
from ..extensions import db
from ..i18n import money_of
from ..models import (
    Coop,
    Order,
    PaymentStatus,
    Refund,
    RefundKind,
    RefundStatus,
    StripeEvent,
    Transfer,
    TransferReversal,
    TransferStatus,
    User,
)
from ..models.base import utcnow
from . import audit, refunds, stripe_payouts, transfers
from .stripe_payments import (
    apply_intent,
    object_id,
    order_for_intent,
    receive_intent,
    record_event,
    set_readiness,
)
from .stripe_payouts import client

log = logging.getLogger(__name__)

#: Stripe refund states in which the money is on its way back to the buyer
_REFUND_STATES = ("succeeded", "pending", "requires_action")


class WebhookRejected(ValueError):
    """Not a genuine Stripe event (bad signature, unreadable body, no secret set): a 400."""


def handle_event(payload: bytes, signature: str | None) -> str:
    """Verify a webhook and apply its event once; what happened, in a few words."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookRejected("STRIPE_WEBHOOK_SECRET is not set")
    try:
        event = client().construct_event(payload, signature, secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise WebhookRejected(str(error)) from None
    if db.session.get(StripeEvent, event.id) is not None:
        return "duplicate"
    handler = _HANDLERS.get(event.type, _ignore)
    try:
        outcome = handler(event)
        db.session.commit()
    except IntegrityError:
        # the same event, delivered twice at once: the other delivery recorded it
        db.session.rollback()
        if db.session.get(StripeEvent, event.id) is not None:
            return "duplicate"
        raise
    except Exception:
        db.session.rollback()
        raise
    log.info("stripe event %s %s: %s", event.id, event.type, outcome)
    return outcome


def _ignore(event: Any) -> str:
    record_event(event)
    return "ignored"


def _payment_succeeded(event: Any) -> str:
    intent = event.data.object
    order = order_for_intent(intent.id, getattr(intent, "metadata", None))
    if order is None:
        record_event(event)
        return "not one of our payment intents"
    paid = apply_intent(order, intent, event)
    return "order paid" if paid else "payment recorded"


def _payment_failed(event: Any) -> str:
    intent = event.data.object
    order = order_for_intent(intent.id, getattr(intent, "metadata", None))
    record_event(event)
    if order is None or order.payment_status is not PaymentStatus.PENDING:
        return "nothing waits for it"
    failure = getattr(intent, "last_payment_error", None)
    message = getattr(failure, "message", None) if failure is not None else None
    order.payment_error = (message or _("The card payment did not go through."))[:500]
    return "failure shown to the buyer"


def _charge_refunded(event: Any) -> str:
    """Refunds on the charge: ours are settled, ones made on Stripe's dashboard recorded."""
    charge = client().v1.charges.retrieve(event.data.object.id, params={"expand": ["refunds"]})
    order = order_for_intent(object_id(charge.payment_intent))
    if order is None:
        record_event(event)
        return "not one of our charges"
    order_id = order.id
    if order.payment_status is PaymentStatus.PENDING:
        # the refund came first: its payment's own event has not arrived yet
        intent = client().v1.payment_intents.retrieve(str(order.payment_intent_id))
        if intent.status == "succeeded":
            receive_intent(order, intent)
        order = db.session.get(Order, order_id)
        assert order is not None
    outcome = [_settle(order, item) for item in _refunds_of(charge)]
    record_event(event)
    db.session.commit()
    stripe_payouts.run_for_order(order_id)  # transfers (shrunk) and reversals, now
    return ", ".join(outcome) or "no refunds"


def _refunds_of(charge: Any) -> list[Any]:
    listed = getattr(charge, "refunds", None)
    if listed is None:
        return list(client().v1.refunds.list(params={"charge": charge.id}).auto_paging_iter())
    if listed.has_more:
        return list(
            client().v1.refunds.list(params={"charge": charge.id, "limit": 100}).auto_paging_iter()
        )
    return list(listed.data)


def _settle(order: Order, item: Any) -> str:
    """One refund on the charge: known, ours to settle, or one to record."""
    if item.status not in _REFUND_STATES:
        return f"{item.id} {item.status}"
    if db.session.scalar(select(Refund.id).where(Refund.stripe_refund_id == item.id)):
        return f"{item.id} known"
    ours_id = getattr(getattr(item, "metadata", None), "refund_id", None)
    if ours_id and str(ours_id).isdigit():
        ours = db.session.scalar(
            select(Refund)
            .where(Refund.id == int(ours_id), Refund.order_id == order.id)
            .with_for_update()
        )
        if ours is not None:
            if ours.status is RefundStatus.PENDING:
                refunds.settle_refund(ours, actor=None, processor_id=item.id)
            return f"{item.id} settled"
    key = f"processor-{item.id}"
    if db.session.scalar(
        select(Refund.id).where(Refund.order_id == order.id, Refund.idempotency_key == key)
    ):
        return f"{item.id} known"
    amount = from_stripe(int(item.amount), order.currency)
    owed = db.session.scalar(
        select(Refund)
        .where(
            Refund.order_id == order.id,
            Refund.kind == RefundKind.OVERPAYMENT,
            Refund.status == RefundStatus.PENDING,
            Refund.amount == amount,
        )
        .order_by(Refund.id)
        .limit(1)
        .with_for_update()
    )
    if owed is not None:  # money owed back, paid back by hand on Stripe's dashboard
        refunds.settle_refund(owed, actor=None, processor_id=item.id)
        return f"{item.id} settled"
    try:
        made = refunds.refund_from_processor(
            order, amount, processor_id=item.id, reason=_("Refunded on Stripe's dashboard.")
        )
    except refunds.RefundRefused as refused:
        # more than the order has left to refund: people must look at it
        log.error(
            "stripe refund %s on order %s not recorded: %s", item.id, order.reference, refused
        )
        audit.record(
            "order.refund_unmatched", "order", order.id, after={"refund": item.id, "amount": amount}
        )
        return f"{item.id} unmatched"
    audit.record(
        "order.refunded_on_stripe",
        "order",
        order.id,
        after={"refund": item.id, "amount": amount, "refunds": [r.id for r in made]},
    )
    return f"{item.id} recorded"


def _dispute_created(event: Any) -> str:
    dispute = event.data.object
    order = order_for_intent(object_id(getattr(dispute, "payment_intent", None)))
    if order is None:
        order = db.session.scalar(select(Order).where(Order.charge_id == object_id(dispute.charge)))
    record_event(event)
    if order is None:
        return "not one of our charges"
    if order.disputed_at is not None:
        return "already disputed"
    order.disputed_at = utcnow()
    amount = from_stripe(int(dispute.amount), order.currency)
    audit.record(
        "order.disputed",
        "order",
        order.id,
        after={"dispute": dispute.id, "amount": amount, "reason": str(dispute.reason)},
    )
    _tell_admins_of_dispute(order, amount, dispute)
    return "order disputed, transfers held"


def _tell_admins_of_dispute(order: Order, amount: int, dispute: Any) -> None:
    default = current_app.config.get("BABEL_DEFAULT_LOCALE") or "en"
    admins = db.session.execute(
        select(User.email, User.locale).where(User.is_federation_admin.is_(True))
    ).all()
    for email, locale in admins:
        with force_locale(locale or default):
            mail.queue(
                [email],
                _("Card payment disputed: order %(reference)s", reference=order.reference),
                _(
                    "The buyer of order %(reference)s disputed the card payment of %(amount)s "
                    "with their bank (reason: %(reason)s; Stripe dispute %(dispute)s).\n\n"
                    "The transfers to the co-ops of this order wait until the dispute is "
                    "resolved. Answer it on Stripe's dashboard before its deadline.",
                    reference=order.reference,
                    amount=money_of(amount, order.currency),
                    reason=str(dispute.reason),
                    dispute=dispute.id,
                ),
            )


def _transfer_reversed(event: Any) -> str:
    """Reversals on a transfer: ours are marked done, ones made on Stripe recorded."""
    transfer_id = event.data.object.id
    fresh = client().v1.transfers.retrieve(transfer_id)
    reversals = list(fresh.reversals.data)
    if fresh.reversals.has_more:
        reversals = list(
            client()
            .v1.transfers.reversals.list(transfer_id, params={"limit": 100})
            .auto_paging_iter()
        )
    ours = _transfer_for(fresh)
    if ours is None:
        record_event(event)
        return "not one of our transfers"
    outcome = [_reversal_done(ours, item) for item in reversals]
    record_event(event)
    return ", ".join(outcome) or "no reversals"


def _transfer_for(fresh: Any) -> Transfer | None:
    """Our transfer for a Stripe transfer; one whose answer was lost is recorded sent now."""
    found = db.session.scalar(
        select(Transfer).where(Transfer.stripe_transfer_id == fresh.id).with_for_update()
    )
    if found is not None:
        return found
    ours_id = getattr(getattr(fresh, "metadata", None), "transfer_id", None)
    if not ours_id or not str(ours_id).isdigit():
        return None
    found = db.session.scalar(select(Transfer).where(Transfer.id == int(ours_id)).with_for_update())
    if found is None or found.method != NAME:
        return None
    if found.status is TransferStatus.PENDING:
        if to_stripe(found.amount, found.currency) != int(fresh.amount):
            log.error("stripe transfer %s does not match transfer %s", fresh.id, found.id)
            return None
        transfers.sent(found, stripe_transfer_id=fresh.id)
    return found if found.stripe_transfer_id == fresh.id else None


def _reversal_done(transfer: Transfer, item: Any) -> str:
    if db.session.scalar(
        select(TransferReversal.id).where(TransferReversal.stripe_reversal_id == item.id)
    ):
        return f"{item.id} known"
    ours_id = getattr(getattr(item, "metadata", None), "reversal_id", None)
    if ours_id and str(ours_id).isdigit():
        ours = db.session.scalar(
            select(TransferReversal)
            .where(TransferReversal.id == int(ours_id), TransferReversal.transfer_id == transfer.id)
            .with_for_update()
        )
        if ours is not None:
            if ours.status is TransferStatus.PENDING:
                transfers.reversed_(ours, stripe_reversal_id=item.id)
            return f"{item.id} done"
    amount = from_stripe(int(item.amount), transfer.currency)
    unknown = TransferReversal(
        transfer_id=transfer.id,
        refund_id=None,
        coop_id=transfer.coop_id,
        amount=amount,
        status=TransferStatus.PENDING,
        attempts=0,
        created_at=utcnow(),
    )
    db.session.add(unknown)
    db.session.flush()
    transfers.reversed_(unknown, stripe_reversal_id=item.id)
    audit.record(
        "transfer.reversed_on_stripe",
        "coop",
        transfer.coop_id,
        coop_id=transfer.coop_id,
        after={"transfer": transfer.id, "reversal": item.id, "amount": amount},
    )
    return f"{item.id} recorded"


def _account_updated(event: Any) -> str:
    account_id = event.data.object.id
    coop = db.session.scalar(
        select(Coop).where(Coop.stripe_account_id == account_id).with_for_update()
    )
    if coop is None:
        record_event(event)
        return "not one of our co-ops"
    coop_id = coop.id
    # readiness from the account as it is now: an older event delivered late changes nothing
    became_ready = set_readiness(coop, client().v1.accounts.retrieve(account_id))
    record_event(event)
    db.session.commit()
    if became_ready:
        stripe_payouts.run_for_coop(coop_id)
    return "ready" if coop.stripe_ready else "not ready"


_HANDLERS: dict[str, Callable[[Any], str]] = {
    "payment_intent.succeeded": _payment_succeeded,
    "payment_intent.payment_failed": _payment_failed,
    "charge.refunded": _charge_refunded,
    "charge.dispute.created": _dispute_created,
    "transfer.reversed": _transfer_reversed,
    "account.updated": _account_updated,
}
