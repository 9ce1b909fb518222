"""Card payments through Stripe Connect: the order's PaymentIntent, and co-op onboarding.

The buyer pays the federation's Stripe account once per order: one PaymentIntent for what
the order owes, with the order reference as its `transfer_group`, made right after
checkout (or when the order page is opened, if Stripe was down then). Once it succeeded
(Stripe's webhook, services.stripe_events, or the buyer back on the order page, whichever
comes first) the payment is recorded once, keyed by the intent, and services.stripe_payouts
transfers each co-op its share from the charge. Co-ops onboard to Stripe Connect through
Account Links; they receive transfers once their account can (`stripe_ready`).
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from flask import current_app, url_for
from sqlalchemy import select

from payments.stripe_gateway import NAME, enabled, from_stripe, stripe_currency, to_stripe

from ..extensions import db
from ..models import (
    Coop,
    Order,
    PaymentSource,
    PaymentStatus,
    StripeEvent,
)
from . import audit, payments, stripe_payouts
from .stripe_payouts import client

log = logging.getLogger(__name__)

#: PaymentIntent states in which its amount may still change
_UNPAID_STATES = ("requires_payment_method", "requires_confirmation", "requires_action")


class NothingToPay(ValueError):
    """The order owes nothing (paid, expired or cancelled): no payment to start."""


def configured() -> bool:
    """Whether this marketplace takes card payments through Stripe."""
    return enabled(current_app.config)


# --- the buyer's payment ----------------------------------------------------------------


def start_payment(order: Order) -> str:
    """The client secret of the order's one PaymentIntent, made on the first call."""
    return _intent_for(order).client_secret


def start_payment_quietly(order: Order) -> None:
    """start_payment right after checkout; a failure only logs (the order page retries)."""
    reference = order.reference
    try:
        start_payment(order)
    except NothingToPay:
        return
    except Exception:
        # the order is placed and committed; its page makes the intent when opened
        db.session.rollback()
        log.exception("no payment intent for order %s yet", reference)


def _intent_for(order: Order) -> Any:
    """The order's PaymentIntent for what it still owes: retrieved (its amount brought up
    to date while unpaid) or created with the order's deterministic idempotency key."""
    amount = payments.outstanding(order)
    if amount <= 0:
        raise NothingToPay(order.reference)
    api = client()
    wanted = to_stripe(amount, order.currency)
    if order.payment_intent_id:
        intent = api.v1.payment_intents.retrieve(order.payment_intent_id)
        if intent.status in _UNPAID_STATES and intent.amount != wanted:
            intent = api.v1.payment_intents.update(intent.id, params={"amount": wanted})
        return intent
    intent = api.v1.payment_intents.create(
        params={
            "amount": wanted,
            "currency": stripe_currency(order.currency),
            "transfer_group": order.reference,
            "description": f"Order {order.reference}",
            "metadata": {"order_id": str(order.id), "reference": order.reference},
            "automatic_payment_methods": {"enabled": True},
        },
        options={"idempotency_key": f"order-{order.id}-payment-intent"},
    )
    order.payment_intent_id = intent.id
    db.session.commit()
    log.info("payment intent %s made for order %s", intent.id, order.reference)
    return intent


def payment_element_context(order: Order) -> dict[str, Any] | None:
    """What the order page's Stripe Payment Element needs, or None when the order is not
    waiting for a card payment. A buyer back from paying is recorded as paid at once, even
    before Stripe's webhook arrives. If Stripe cannot be reached: {"unavailable": True}."""
    if order.payment_method != NAME or not configured():
        return None
    if order.payment_status is not PaymentStatus.PENDING:
        return None
    try:
        intent = _intent_for(order)
        if intent.status == "succeeded":
            apply_intent(order, intent)
            return None
        if intent.status == "canceled":
            log.error("the payment intent of order %s was canceled", order.reference)
            return {"unavailable": True}
    except NothingToPay:
        return None
    except stripe.StripeError as error:
        db.session.rollback()
        log.warning("card payment for order %s unavailable: %s", order.reference, error)
        return {"unavailable": True}
    return {
        "unavailable": False,
        "publishable_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY") or "",
        "client_secret": intent.client_secret,
        #: "processing" while the bank confirms (the page says so instead of asking again)
        "status": intent.status,
        "return_url": url_for("orders.show", reference=order.reference, _external=True),
        "error": order.payment_error,
        #: what the Payment Element charges, in our minor units
        "amount": from_stripe(int(intent.amount), order.currency),
        "currency": order.currency,
    }


def sync_payment(order: Order) -> bool:
    """Ask Stripe whether the order's PaymentIntent succeeded and record it if so; True
    when the order is paid now."""
    if not order.payment_intent_id or order.payment_status is not PaymentStatus.PENDING:
        return False
    intent = client().v1.payment_intents.retrieve(order.payment_intent_id)
    if intent.status != "succeeded":
        return False
    return apply_intent(order, intent)


def apply_intent(order: Order, intent: Any, event: Any = None) -> bool:
    """Record a succeeded PaymentIntent as the order's payment (once: its id is the
    receipt's key), then send the co-ops' transfers; True when this paid the order."""
    order_id = order.id
    result = receive_intent(order, intent, event)
    if not result.duplicate:  # the transfers, or the refund of a payment that came too late
        stripe_payouts.run_for_order(order_id)
    return result.now_paid


def receive_intent(order: Order, intent: Any, event: Any = None) -> payments.ReceiveResult:
    """payments.receive for a succeeded PaymentIntent, with the processor's fee from the
    charge's balance transaction; the event, if any, is recorded in the same commit."""
    charge_id = object_id(getattr(intent, "latest_charge", None))
    fee = _processor_fee(charge_id, order.currency) if charge_id else 0
    amount = from_stripe(int(intent.amount_received), order.currency)
    if event is not None:
        record_event(event)
    result = payments.receive(
        order,
        amount,
        source=PaymentSource.STRIPE,
        source_key=f"stripe:{intent.id}",
        note=f"Stripe {intent.id}",
        processor_fee=min(fee, amount),
        charge_id=charge_id,
    )
    db.session.commit()  # (a duplicate payment commits nothing in receive)
    return result


def _processor_fee(charge_id: str, currency: str) -> int:
    """What Stripe took on the charge, from its balance transaction; 0 when Stripe settled
    it in another currency than the order's (the fee cannot be split in our units then)."""
    charge = client().v1.charges.retrieve(charge_id, params={"expand": ["balance_transaction"]})
    txn = charge.balance_transaction
    if txn is None or isinstance(txn, str):
        return 0
    if str(txn.currency).upper() != currency.upper():
        log.warning(
            "charge %s settled in %s, not %s: its fee is not split",
            charge_id,
            txn.currency,
            currency,
        )
        return 0
    return from_stripe(int(txn.fee), currency)


def record_event(event: Any) -> None:
    """Add a webhook event to the current transaction: its effect's commit writes it."""
    db.session.add(StripeEvent(id=event.id, type=event.type, created=int(event.created)))


def object_id(value: Any) -> str | None:
    """An object's id whether Stripe sent the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return str(value.id)


def order_for_intent(intent_id: str | None, metadata: Any = None) -> Order | None:
    """The order a PaymentIntent pays: by the id we stored, else by its metadata."""
    if not intent_id:
        return None
    order = db.session.scalar(select(Order).where(Order.payment_intent_id == intent_id))
    if order is None and metadata is not None:
        order_id = getattr(metadata, "order_id", None)
        reference = getattr(metadata, "reference", None)
        if order_id and str(order_id).isdigit():
            order = db.session.get(Order, int(order_id))
            if order is not None and (order.reference != reference or order.payment_intent_id):
                return None
            if order is not None:  # made, but its id never reached the order (a crash)
                order.payment_intent_id = intent_id
    return order


# --- co-op onboarding -----------------------------------------------------------------------


def onboarding_link(coop: Coop, return_url: str, refresh_url: str) -> str:
    """Where the co-op's admin goes to set up (or finish) its Stripe account; the account
    is made on the first call."""
    api = client()
    if not coop.stripe_account_id:
        account = api.v1.accounts.create(
            params={
                "country": coop.country,
                "controller": {
                    "stripe_dashboard": {"type": "express"},
                    "fees": {"payer": "application"},
                    "losses": {"payments": "application"},
                },
                "capabilities": {"transfers": {"requested": True}},
                "metadata": {"coop_id": str(coop.id), "coop_slug": coop.slug},
            },
            options={"idempotency_key": f"coop-{coop.id}-connected-account"},
        )
        coop.stripe_account_id = account.id
        audit.record(
            "coop.stripe_account_created",
            "coop",
            coop.id,
            coop_id=coop.id,
            after={"stripe_account_id": account.id},
        )
        db.session.commit()
        log.info("stripe account %s made for co-op %s", account.id, coop.slug)
    link = api.v1.account_links.create(
        params={
            "account": str(coop.stripe_account_id),
            "refresh_url": refresh_url,
            "return_url": return_url,
            "type": "account_onboarding",
        }
    )
    return link.url


def refresh_readiness(coop: Coop) -> bool:
    """Read the co-op's Stripe account again; whether it can receive transfers now."""
    if not coop.stripe_account_id:
        return False
    coop_id, account_id = coop.id, coop.stripe_account_id
    # locked first: of two readings at once, the later one is written last
    locked = db.session.scalar(select(Coop).where(Coop.id == coop_id).with_for_update())
    assert locked is not None
    became_ready = set_readiness(locked, client().v1.accounts.retrieve(account_id))
    ready = locked.stripe_ready
    db.session.commit()
    if became_ready:
        stripe_payouts.run_for_coop(coop_id)
    return ready


def set_readiness(coop: Coop, account: Any) -> bool:
    """Transfers capability active and payouts enabled; True when the co-op just became ready."""
    capabilities = getattr(account, "capabilities", None)
    ready = (
        getattr(capabilities, "transfers", None) == "active"
        and getattr(account, "payouts_enabled", False) is True
    )
    was = coop.stripe_ready
    if ready != was:
        coop.stripe_ready = ready
        audit.record(
            "coop.stripe_ready" if ready else "coop.stripe_not_ready",
            "coop",
            coop.id,
            coop_id=coop.id,
            before={"stripe_ready": was},
            after={"stripe_ready": ready},
        )
    return ready and not was
