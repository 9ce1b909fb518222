"""Money out through Stripe when things go wrong: 500s, timeouts, insufficient balance,
a crash between the payment and the transfers, reversals and refunds that fail. Each is
retried with its idempotency key, makes one transfer (reversal, refund), and is never lost.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import current_app
from sqlalchemy import select

from marketplace import housekeeping
from marketplace.extensions import db
from marketplace.models import (
    Coop,
    Order,
    PaymentSource,
    PaymentStatus,
    Refund,
    RefundKind,
    RefundStatus,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from marketplace.models.base import utcnow
from marketplace.services import coop_orders, ledger, payments, refunds, stripe_payouts
from tests.factories import make_coop, make_listing, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import place_order
from tests.stripe_fake import FakeStripe

WEBHOOK = "/payments/stripe/webhook"
LATER = timedelta(minutes=16)  # past PAYOUT_RETRY_MINUTES (15)


@pytest.fixture
def order(stripe_app, fake) -> Order:
    """Two ready co-ops, fee 6 %: 40.00 + 2×12.50, to be paid by card."""
    adopt_fee_policy(basis_points=600)
    buyer = make_user()
    bread = make_listing(coop=ready_coop(fake), price_amount=4000)
    jam = make_listing(coop=ready_coop(fake), price_amount=1250)
    placed = place_order(buyer, (bread, 1), (jam, 2), payment_method="stripe")
    return reload(placed)


def ready_coop(fake: FakeStripe) -> Coop:
    return make_coop(stripe_account_id=fake.create_account(), stripe_ready=True)


def short_timeouts(fake: FakeStripe) -> None:
    """A "timeout" failure then costs 0.8 s, not 1.5 s (the client waits 0.3 s)."""
    fake.timeout_seconds = 0.3
    current_app.config["STRIPE_TIMEOUT"] = 0.3


def pay(client, fake: FakeStripe, order: Order) -> str:
    """The buyer pays; Stripe's payment_intent.succeeded reaches the webhook."""
    charge_id = fake.succeed_payment(str(order.payment_intent_id))
    for event in fake.take_events():
        if event["type"] == "payment_intent.succeeded":
            payload, headers = fake.signed(event)
            assert client.post(WEBHOOK, data=payload, headers=headers).status_code == 200
    return charge_id


def reload(order: Order) -> Order:
    db.session.expire_all()
    found = db.session.get(Order, order.id)
    assert found is not None
    return found


def transfers_of(order: Order) -> list[Transfer]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Transfer).where(Transfer.order_id == order.id).order_by(Transfer.id)
        )
    )


def transfer_posts(fake: FakeStripe) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == "/v1/transfers"]


def sent_to(fake: FakeStripe, transfer: Transfer) -> list[dict[str, Any]]:
    """Stripe's transfers for one of ours (by the metadata we send)."""
    return [
        t for t in fake.transfers.values() if t["metadata"].get("transfer_id") == str(transfer.id)
    ]


def test_a_500_creating_a_transfer_is_retried_with_the_same_key_and_makes_one(order, fake, client):
    fake.fail_next("POST", "/v1/transfers", "500")  # the client's own retry succeeds
    pay(client, fake, order)
    sent = transfers_of(order)
    assert [t.status for t in sent] == [TransferStatus.PAID] * 2
    first = sent[0]
    keys = [r.idempotency_key for r in transfer_posts(fake)]
    assert keys == [first.idempotency_key, first.idempotency_key, sent[1].idempotency_key]
    assert len(sent_to(fake, first)) == 1 and len(fake.transfers) == 2
    assert ledger.check() == []


def test_500s_past_the_clients_retries_leave_the_transfer_for_a_later_run(order, fake, client):
    fake.fail_next("POST", "/v1/transfers", "500", times=3)  # every try of the first one
    pay(client, fake, order)
    first, second = transfers_of(order)
    assert first.status is TransferStatus.PENDING and first.attempts == 1
    assert "unknown error" in (first.last_error or "").lower()
    assert second.status is TransferStatus.PAID
    assert stripe_payouts.run().transfers_sent == 0  # not due yet
    report = stripe_payouts.run(utcnow() + LATER)
    assert (report.transfers_sent, report.transfers_failed) == (1, 0)
    first = db.session.get(Transfer, first.id)
    assert first.status is TransferStatus.PAID and first.attempts == 2
    assert len(sent_to(fake, first)) == 1
    keys = {
        r.idempotency_key
        for r in transfer_posts(fake)
        if r.params["metadata"]["transfer_id"] == str(first.id)
    }
    assert keys == {first.idempotency_key}
    assert ledger.check() == []


def test_a_timeout_creating_a_transfer_is_retried_with_the_same_key_and_makes_one(
    order, fake, client
):
    short_timeouts(fake)
    fake.fail_next("POST", "/v1/transfers", "timeout")  # made, but the answer comes too late
    pay(client, fake, order)
    first, second = transfers_of(order)
    assert first.status is TransferStatus.PAID and second.status is TransferStatus.PAID
    assert len(sent_to(fake, first)) == 1 and len(fake.transfers) == 2
    # the client gives up: the transfer exists at Stripe, we do not know it yet
    second_order = place_order(
        make_user(), (make_listing(coop=first.coop, price_amount=3000), 1), payment_method="stripe"
    )
    current_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0  # the client gives up at once
    fake.fail_next("POST", "/v1/transfers", "timeout")
    pay(client, fake, reload(second_order))
    [late] = transfers_of(second_order)
    assert late.status is TransferStatus.PENDING and len(sent_to(fake, late)) == 1
    assert stripe_payouts.run(utcnow() + LATER).transfers_sent == 1
    late = db.session.get(Transfer, late.id)
    assert late.status is TransferStatus.PAID and len(sent_to(fake, late)) == 1
    assert late.stripe_transfer_id == sent_to(fake, late)[0]["id"]
    asked = [r for r in transfer_posts(fake) if r.params["metadata"]["transfer_id"] == str(late.id)]
    assert [r.idempotency_key for r in asked] == [late.idempotency_key] * 2
    assert ledger.check() == []


def test_insufficient_balance_leaves_the_transfer_pending_for_a_later_run(
    order, fake, client, stripe_app
):
    fake.fail_next("POST", "/v1/transfers", "insufficient_balance")
    pay(client, fake, order)
    first, second = transfers_of(order)
    assert first.status is TransferStatus.PENDING
    assert (first.last_error or "").startswith("balance_insufficient")
    assert second.status is TransferStatus.PAID
    # Stripe repeats its refusal for the same key: the refusal moved the row's key on, and
    # `flask payouts run` sends it under the fresh key once the balance is there
    stripe_app.config["PAYOUT_RETRY_MINUTES"] = 0
    db.session.execute(
        Transfer.__table__.update()
        .where(Transfer.__table__.c.id == first.id)
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()
    result = stripe_app.test_cli_runner().invoke(args=["payouts", "run"])
    assert result.exit_code == 0, result.output
    assert "transfers: 1 sent, 0 failed" in result.output
    first = db.session.get(Transfer, first.id)
    assert first.status is TransferStatus.PAID and len(sent_to(fake, first)) == 1
    keys = [
        r.idempotency_key
        for r in transfer_posts(fake)
        if r.params["metadata"]["transfer_id"] == str(first.id)
    ]
    base = f"coop-order-{first.coop_order_id}-transfer-{first.id}"
    assert keys == [base, f"{base}-retry-1"] and first.idempotency_key == keys[-1]
    # a later run asks nothing more
    assert stripe_payouts.run(utcnow() + LATER) == stripe_payouts.RunReport()
    assert ledger.check() == []


def test_a_crash_between_the_payment_and_the_transfers_is_recovered_by_the_next_run(order, fake):
    charge_id = fake.succeed_payment(str(order.payment_intent_id))
    # the payment was committed, then the process died before any transfer was tried
    payments.receive(
        order,
        6500,
        source=PaymentSource.STRIPE,
        source_key=f"stripe:{order.payment_intent_id}",
        processor_fee=FakeStripe.stripe_fee(6500),
        charge_id=charge_id,
    )
    pending = transfers_of(order)
    assert [(t.status, t.attempts) for t in pending] == [(TransferStatus.PENDING, 0)] * 2
    assert fake.transfers == {}
    report = stripe_payouts.run()
    assert report.transfers_sent == 2
    assert [t.status for t in transfers_of(order)] == [TransferStatus.PAID] * 2
    assert sorted(t["source_transaction"] for t in fake.transfers.values()) == [charge_id] * 2
    assert ledger.check() == []


def test_two_runners_at_once_send_each_transfer_once(order, fake, stripe_app):
    charge_id = fake.succeed_payment(str(order.payment_intent_id))
    payments.receive(
        order,
        6500,
        source=PaymentSource.STRIPE,
        source_key=f"stripe:{order.payment_intent_id}",
        charge_id=charge_id,
    )
    db.session.commit()
    reports: list[stripe_payouts.RunReport] = []

    def runner() -> None:
        with stripe_app.app_context():
            reports.append(stripe_payouts.run())
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sum(r.transfers_sent for r in reports) == 2
    assert len(transfer_posts(fake)) == 2 and len(fake.transfers) == 2
    assert ledger.check() == []


def test_a_reversal_that_fails_is_retried_by_the_next_run_and_never_forgotten(order, fake, client):
    pay(client, fake, order)
    jam = next(co for co in reload(order).coop_orders if co.total_amount == 2500)
    current_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0  # each failure fails the call
    fake.fail_next("POST", "/v1/transfers/", "500")
    made, _created = refunds.refund(jam, actor=None, idempotency_key="r1", amount=1250)
    made = db.session.get(Refund, made.id)
    assert made.status is RefundStatus.PAID  # the buyer has the money back at once
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert reversal.status is TransferStatus.PENDING and reversal.last_error
    assert fake.reversals == {}
    fake.fail_next("POST", "/v1/transfers/", "500")
    assert stripe_payouts.run(utcnow() + LATER).reversals_failed == 1
    assert stripe_payouts.run(utcnow() + 2 * LATER).reversals_done == 1
    reversal = db.session.get(TransferReversal, reversal.id)
    assert reversal.status is TransferStatus.PAID and reversal.attempts == 3
    [stripe_reversal] = fake.reversals.values()
    assert stripe_reversal["amount"] == reversal.amount == made.reversal_amount
    assert ledger.check() == []


def test_a_refund_that_fails_at_stripe_is_retried_until_the_buyer_has_it(order, fake, client):
    pay(client, fake, order)
    bread = next(co for co in reload(order).coop_orders if co.total_amount == 4000)
    current_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    fake.fail_next("POST", "/v1/refunds", "500")
    made, _created = refunds.refund(bread, actor=None, idempotency_key="r1", amount=400)
    made = db.session.get(Refund, made.id)
    assert made.status is RefundStatus.PENDING and made.last_error and fake.refunds == {}
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert reversal.status is TransferStatus.PAID  # the co-op's share came back already
    report = stripe_payouts.run(utcnow() + LATER)
    assert report.refunds_paid == 1
    made = db.session.get(Refund, made.id)
    assert made.status is RefundStatus.PAID
    assert fake.refunds[str(made.stripe_refund_id)]["amount"] == 400
    assert ledger.check() == []


def test_a_payment_after_the_order_expired_goes_back_to_the_buyer_through_stripe(
    order, fake, client
):
    coop_orders.expire_due(utcnow() + timedelta(days=1))
    assert reload(order).payment_status is PaymentStatus.EXPIRED
    pay(client, fake, order)  # the buyer paid on a page left open
    owed = db.session.scalars(select(Refund)).one()
    assert owed.kind is RefundKind.OVERPAYMENT and owed.amount == 6500
    assert owed.status is RefundStatus.PAID
    assert fake.refunds[str(owed.stripe_refund_id)]["amount"] == 6500
    assert transfers_of(order) == [] and fake.transfers == {}
    assert ledger.check() == []


def test_the_housekeeper_sends_what_is_due_every_minute(order, fake, stripe_app):
    charge_id = fake.succeed_payment(str(order.payment_intent_id))
    payments.receive(
        order,
        6500,
        source=PaymentSource.STRIPE,
        source_key=f"stripe:{order.payment_intent_id}",
        charge_id=charge_id,
    )
    housekeeping.run_once(stripe_app)
    assert [t.status for t in transfers_of(order)] == [TransferStatus.PAID] * 2
    assert len(fake.transfers) == 2
    assert ledger.check() == []
