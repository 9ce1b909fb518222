"""Card payments through Stripe Connect, against the fake Stripe server on loopback.

Checkout makes the order's one PaymentIntent; webhooks (signed by the fake exactly as
Stripe signs them, posted to the app's endpoint) pay the order, send each co-op its share
and record refunds, reversals, disputes and readiness: each event once, in any order.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import current_app, render_template
from sqlalchemy import func, select

from marketplace.domain.split import split
from marketplace.extensions import db
from marketplace.i18n import money_of
from marketplace.models import (
    AuditEntry,
    Coop,
    MemberRole,
    Order,
    OutgoingMail,
    PaymentReceipt,
    PaymentStatus,
    Refund,
    RefundStatus,
    StripeEvent,
    Transfer,
    TransferReversal,
    TransferStatus,
)
from marketplace.services import ledger, refunds, stripe_payments, stripe_payouts
from marketplace.services.refunds import LineRefund
from payments.gateway import gateways
from payments.stripe_gateway import from_stripe, to_stripe
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import place_order
from tests.stripe_fake import FakeStripe, client_for
from tests.web.helpers import log_in

WEBHOOK = "/payments/stripe/webhook"


@pytest.fixture
def buyer(stripe_app):
    return make_user(email="ada@example.org")


def ready_coop(fake: FakeStripe, **kw: Any) -> Coop:
    return make_coop(stripe_account_id=fake.create_account(), stripe_ready=True, **kw)


@pytest.fixture
def order(stripe_app, fake, buyer) -> Order:
    """Three ready co-ops, fee 6 %: 40.00 + 2×12.50 + 9.99 paid by card."""
    adopt_fee_policy(basis_points=600)
    bread = make_listing(coop=ready_coop(fake), price_amount=4000)
    jam = make_listing(coop=ready_coop(fake), price_amount=1250)
    soap = make_listing(coop=ready_coop(fake), price_amount=999)
    return place_order(buyer, (bread, 1), (jam, 2), (soap, 1), payment_method="stripe")


def short_timeouts(fake: FakeStripe) -> None:
    """A "timeout" failure then costs 0.8 s, not 1.5 s (the client waits 0.3 s)."""
    fake.timeout_seconds = 0.3
    current_app.config["STRIPE_TIMEOUT"] = 0.3


def deliver(client, fake: FakeStripe, event: dict[str, Any]):
    payload, headers = fake.signed(event)
    return client.post(WEBHOOK, data=payload, headers=headers)


def deliver_new(client, fake: FakeStripe, *types: str) -> list[Any]:
    """Deliver the events not delivered yet (only those of `types`, if given), in order."""
    return [
        deliver(client, fake, event)
        for event in fake.take_events()
        if not types or event["type"] in types
    ]


def event_of(fake: FakeStripe, type_: str, index: int = -1) -> dict[str, Any]:
    return [e for e in fake.events if e["type"] == type_][index]


def posts(fake: FakeStripe, path: str) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == path]


def transfers_of(order: Order) -> list[Transfer]:
    return list(
        db.session.scalars(
            select(Transfer).where(Transfer.order_id == order.id).order_by(Transfer.id)
        )
    )


def reload(order: Order) -> Order:
    db.session.expire_all()
    found = db.session.get(Order, order.id)
    assert found is not None
    return found


def page_context(order: Order) -> dict[str, Any] | None:
    """What the order page gives the Payment Element partial (the buyer opens the page)."""
    with current_app.test_request_context(f"/orders/{order.reference}"):
        return stripe_payments.payment_element_context(order)


def count(model: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_stripe_is_offered_beside_bank_transfer_only_when_its_key_is_set(app):
    assert list(gateways(app.config)) == ["bank_transfer"]
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    app.config["STRIPE_PUBLISHABLE_KEY"] = "pk_test_x"
    offered = gateways(app.config)
    assert list(offered) == ["bank_transfer", "stripe"]
    assert offered["stripe"].instructions("AAAA-BBBB", 100, "EUR").details == {
        "publishable_key": "pk_test_x"
    }


def test_isk_is_sent_to_stripe_in_hundredths_and_read_back_whole():
    assert to_stripe(500, "ISK") == 50000 and from_stripe(50000, "ISK") == 500
    assert to_stripe(500, "JPY") == 500 and from_stripe(1999, "EUR") == 1999


def test_checkout_by_card_makes_one_payment_intent_grouped_by_the_order_reference(order, fake):
    made = posts(fake, "/v1/payment_intents")
    assert len(fake.payment_intents) == 1
    assert {r.idempotency_key for r in made} == {f"order-{order.id}-payment-intent"}
    params = made[0].params
    assert params["amount"] == "7499" and params["currency"] == "eur"
    assert params["transfer_group"] == order.reference
    assert params["metadata"] == {"order_id": str(order.id), "reference": order.reference}
    assert params["automatic_payment_methods"] == {"enabled": "true"}
    order = reload(order)
    assert order.payment_intent_id in fake.payment_intents
    # opening the order page uses the same intent
    with_page = page_context(order)
    assert with_page is not None and not with_page["unavailable"]
    assert (
        with_page["client_secret"] == fake.payment_intents[order.payment_intent_id]["client_secret"]
    )
    assert with_page["publishable_key"] == "pk_test_marketplace"
    assert (with_page["amount"], with_page["currency"]) == (7499, "EUR")
    assert len(posts(fake, "/v1/payment_intents")) == len(made)


def test_the_payment_element_partial_loads_stripe_js_with_the_client_secret(order, stripe_app):
    order = reload(order)
    context = page_context(order)
    with stripe_app.test_request_context("/"):
        html = render_template(
            "orders/_stripe_payment.html", stripe_payment=context, amount=money_of
        )
    assert '<script src="https://js.stripe.com/v3/"></script>' in html
    assert f'data-client-secret="{context["client_secret"]}"' in html
    assert 'data-publishable-key="pk_test_marketplace"' in html
    assert f"/orders/{order.reference}" in html and "confirmPayment" in html
    with stripe_app.test_request_context("/"):
        down = render_template(
            "orders/_stripe_payment.html", stripe_payment={"unavailable": True}, amount=money_of
        )
        nothing = render_template("orders/_stripe_payment.html", stripe_payment=None)
    assert "unavailable right now" in down and "js.stripe.com" not in down
    assert nothing.strip() == ""


def test_when_stripe_is_down_the_order_is_placed_and_card_payment_waits(stripe_app, fake, buyer):
    listing = make_listing(coop=ready_coop(fake), price_amount=2000)
    stripe_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0  # each failure fails the call
    fake.fail_next("POST", "/v1/payment_intents", "500")
    order = place_order(buyer, (listing, 1), payment_method="stripe")
    order = reload(order)
    assert order.payment_status is PaymentStatus.PENDING and order.payment_intent_id is None
    fake.fail_next("POST", "/v1/payment_intents", "500")
    assert page_context(order) == {"unavailable": True}
    context = page_context(reload(order))  # Stripe is back
    assert context is not None and context["client_secret"]
    assert len(fake.payment_intents) == 1


def test_payment_intent_succeeded_pays_the_order_and_transfers_each_coop_its_share(
    order, fake, client
):
    order = reload(order)
    charge_id = fake.succeed_payment(order.payment_intent_id)
    [response] = deliver_new(client, fake, "payment_intent.succeeded")
    assert response.status_code == 200, response.get_data(as_text=True)
    order = reload(order)
    assert order.payment_status is PaymentStatus.PAID and order.amount_received == 7499
    assert order.charge_id == charge_id
    assert order.processor_fee_amount == FakeStripe.stripe_fee(7499)
    sent = transfers_of(order)
    assert [t.status for t in sent] == [TransferStatus.PAID] * 3
    made = posts(fake, "/v1/transfers")
    assert len(made) == 3 and len(fake.transfers) == 3
    for transfer, request in zip(sent, made, strict=True):
        assert request.idempotency_key == transfer.idempotency_key
        assert request.params["source_transaction"] == charge_id
        assert request.params["transfer_group"] == order.reference
        assert request.params["destination"] == transfer.coop.stripe_account_id
        assert int(request.params["amount"]) == transfer.amount
        assert transfer.amount == transfer.coop_order.settlement.payout
        assert fake.transfers[transfer.stripe_transfer_id]["amount"] == transfer.amount
    fees = sum(co.fee_amount for co in order.coop_orders)
    assert sum(t.amount for t in sent) + fees == order.total_amount
    assert ledger.check() == []


def test_the_same_event_delivered_twice_has_one_effect(order, fake, client, stripe_app):
    stripe_app.config["WTF_CSRF_ENABLED"] = True  # Stripe sends no CSRF token: exempt
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    event = event_of(fake, "payment_intent.succeeded")
    first, again = deliver(client, fake, event), deliver(client, fake, event)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json["outcome"] == "duplicate"
    assert count(PaymentReceipt) == 1 and len(fake.transfers) == 3
    assert reload(order).amount_received == 7499
    # every other event (charge.succeeded, transfer.created, ...) is recorded and ignored
    for response in deliver_new(client, fake):
        assert response.status_code == 200
    assert count(StripeEvent) == len({e["id"] for e in fake.events})
    assert ledger.check() == []


def test_a_bad_signature_is_refused_and_changes_nothing(order, fake, client):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    event = event_of(fake, "payment_intent.succeeded")
    payload, headers = fake.signed(event, secret="whsec_not_ours")
    refused = client.post(WEBHOOK, data=payload, headers=headers)
    assert refused.status_code == 400
    assert refused.json == {"error": "invalid signature or payload"}
    payload, headers = fake.signed(event)
    tampered = payload.replace(b'"amount_received": 7499', b'"amount_received": 1')
    assert client.post(WEBHOOK, data=tampered, headers=headers).status_code == 400
    assert client.post(WEBHOOK, data=payload).status_code == 400  # no signature at all
    old = fake.signed(event, timestamp=fake.now() - 3600)
    assert client.post(WEBHOOK, data=old[0], headers=old[1]).status_code == 400  # replayed
    assert count(StripeEvent) == 0 and count(PaymentReceipt) == 0
    assert reload(order).payment_status is PaymentStatus.PENDING


def test_a_failed_card_payment_is_shown_and_the_buyer_can_pay_again(order, fake, client):
    order = reload(order)
    fake.fail_payment(order.payment_intent_id)
    [response] = deliver_new(client, fake, "payment_intent.payment_failed")
    assert response.status_code == 200
    order = reload(order)
    assert order.payment_status is PaymentStatus.PENDING
    assert order.payment_error == "Your card was declined."
    context = page_context(order)
    assert context is not None and context["error"] == "Your card was declined."
    fake.succeed_payment(order.payment_intent_id)
    deliver_new(client, fake)
    order = reload(order)
    assert order.payment_status is PaymentStatus.PAID and order.payment_error is None
    assert ledger.check() == []


def test_the_buyer_back_from_stripe_sees_the_order_paid_before_the_webhook(order, fake):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    assert page_context(order) is None
    order = reload(order)
    assert order.payment_status is PaymentStatus.PAID and len(fake.transfers) == 3
    assert ledger.check() == []


def test_a_line_refund_refunds_that_amount_and_reverses_the_coops_share(order, fake, client):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    deliver_new(client, fake)
    jam = next(co for co in reload(order).coop_orders if co.total_amount == 2500)
    before = jam.settlement
    made, created = refunds.refund(
        jam, actor=None, idempotency_key="one-jar", lines=[LineRefund(jam.lines[0].id, 1)]
    )
    assert created
    made = db.session.get(Refund, made.id)
    assert made.status is RefundStatus.PAID and made.stripe_refund_id in fake.refunds
    stripe_refund = fake.refunds[made.stripe_refund_id]
    assert stripe_refund["amount"] == 1250
    assert stripe_refund["payment_intent"] == order.payment_intent_id
    assert posts(fake, "/v1/refunds")[0].idempotency_key == made.processor_key
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert reversal.status is TransferStatus.PAID and reversal.refund_id == made.id
    assert reversal.amount == made.reversal_amount == before.payout - jam.settlement.payout
    assert made.fee_returned == before.fee - jam.settlement.fee == 75
    stripe_reversal = fake.reversals[reversal.stripe_reversal_id]
    assert stripe_reversal["amount"] == reversal.amount == 1175
    assert stripe_reversal["transfer"] == reversal.transfer.stripe_transfer_id
    # Stripe's own events about them change nothing more
    for response in deliver_new(client, fake):
        assert response.status_code == 200
    assert count(Refund) == 1 and count(TransferReversal) == 1
    assert ledger.check() == []


def test_a_refund_on_stripe_before_the_payment_event_is_counted_once(order, fake, client):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    # someone refunds 10.00 on Stripe's dashboard at once; the events arrive refund first
    client_for(fake).v1.refunds.create(
        params={"payment_intent": order.payment_intent_id, "amount": 1000}
    )
    refunded = event_of(fake, "charge.refunded")
    assert deliver(client, fake, refunded).status_code == 200
    order = reload(order)
    assert order.payment_status is PaymentStatus.PAID and order.amount_received == 7499
    parts = {r.coop_order_id: r.amount for r in db.session.scalars(select(Refund))}
    shares = split(1000, [co.total_amount for co in order.coop_orders])
    assert parts == {co.id: s for co, s in zip(order.coop_orders, shares, strict=True)}
    assert sorted(parts.values()) == [133, 333, 534]
    assert all(r.status is RefundStatus.PAID for r in db.session.scalars(select(Refund)))
    # the co-ops' transfers were sent shrunk by their parts: together within the charge
    sent = transfers_of(order)
    assert all(t.status is TransferStatus.PAID for t in sent)
    for transfer in sent:
        assert transfer.amount == transfer.coop_order.settlement.payout
    assert sum(t["amount"] for t in fake.transfers.values()) == sum(t.amount for t in sent)
    for event in [event_of(fake, "payment_intent.succeeded"), refunded]:
        assert deliver(client, fake, event).status_code == 200
    for response in deliver_new(client, fake):
        assert response.status_code == 200
    assert count(PaymentReceipt) == 1 and count(Refund) == 3
    assert reload(order).amount_received == 7499
    assert ledger.check() == []


def test_transfer_reversed_before_payment_succeeded_is_recorded_once(order, fake, client):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    stripe_payments.sync_payment(order)  # the buyer came back first
    jam = next(co for co in reload(order).coop_orders if co.total_amount == 2500)
    # the reversal's answer is lost (the client gives up), but Stripe made it
    short_timeouts(fake)
    current_app.config["STRIPE_MAX_NETWORK_RETRIES"] = 0
    fake.fail_next("POST", "/v1/transfers/", "timeout")
    made, _created = refunds.refund(jam, actor=None, idempotency_key="r1", amount=1250)
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert reversal.status is TransferStatus.PENDING and reversal.last_error
    assert len(fake.reversals) == 1
    for event in reversed(fake.take_events()):  # newest first: transfer.reversed leads
        assert deliver(client, fake, event).status_code == 200
    db.session.expire_all()
    reversal = db.session.get(TransferReversal, reversal.id)
    assert reversal.status is TransferStatus.PAID
    assert reversal.stripe_reversal_id == next(iter(fake.reversals))
    assert stripe_payouts.run().reversals_done == 0  # nothing left to reverse
    assert len(fake.reversals) == 1 and count(PaymentReceipt) == 1
    assert db.session.get(Refund, made.id).status is RefundStatus.PAID
    assert ledger.check() == []


def test_a_coop_not_ready_keeps_its_transfer_until_stripe_says_it_is(
    stripe_app, fake, buyer, client
):
    waiting = make_coop()
    account = fake.create_account(transfers="inactive", payouts_enabled=False)
    waiting.stripe_account_id = account
    db.session.commit()
    early = event_of(fake, "account.updated")
    order = place_order(
        buyer,
        (make_listing(coop=waiting, price_amount=3000), 1),
        (make_listing(coop=ready_coop(fake), price_amount=2000), 1),
        payment_method="stripe",
    )
    fake.succeed_payment(reload(order).payment_intent_id)
    deliver_new(client, fake, "payment_intent.succeeded")
    held = next(t for t in transfers_of(order) if t.coop_id == waiting.id)
    assert held.status is TransferStatus.PENDING and len(fake.transfers) == 1
    assert stripe_payouts.run().transfers_sent == 0
    fake.set_account(account)  # onboarding finished
    [ready] = deliver_new(client, fake, "account.updated")
    assert ready.status_code == 200 and ready.json["outcome"] == "ready"
    db.session.expire_all()
    assert db.session.get(Coop, waiting.id).stripe_ready
    assert db.session.get(Transfer, held.id).status is TransferStatus.PAID
    # the older update, delivered late, does not make the co-op unready again
    assert deliver(client, fake, early).status_code == 200
    db.session.expire_all()
    assert db.session.get(Coop, waiting.id).stripe_ready
    assert len(fake.transfers) == 2
    assert ledger.check() == []


def test_a_dispute_marks_the_order_and_holds_its_transfers(stripe_app, fake, buyer, client):
    admin = make_user(email="treasurer@example.org", is_federation_admin=True)
    later = make_coop(stripe_account_id=fake.create_account(transfers="inactive"))
    order = place_order(
        buyer,
        (make_listing(coop=later, price_amount=3000), 1),
        (make_listing(coop=ready_coop(fake), price_amount=2000), 1),
        payment_method="stripe",
    )
    charge_id = fake.succeed_payment(reload(order).payment_intent_id)
    deliver_new(client, fake)
    fake.dispute(charge_id)
    [response] = deliver_new(client, fake, "charge.dispute.created")
    assert response.status_code == 200
    order = reload(order)
    assert order.disputed_at is not None
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "order.disputed")
    ).subject_id == (order.id)
    mail = db.session.scalars(select(OutgoingMail)).all()
    assert any(admin.email in m.recipients and order.reference in m.subject for m in mail)
    fake.set_account(str(later.stripe_account_id))
    deliver_new(client, fake, "account.updated")
    held = next(t for t in transfers_of(order) if t.coop_id == later.id)
    assert held.status is TransferStatus.PENDING
    assert stripe_payouts.run().transfers_sent == 0 and len(fake.transfers) == 1
    assert ledger.check() == []


def test_onboarding_makes_the_connected_account_once_and_reads_readiness_on_return(
    stripe_app, fake, client
):
    coop = make_coop(slug="kornblume", country="SE")
    admin, member = make_user(), make_user()
    make_member(admin, coop, MemberRole.ADMIN)
    make_member(member, coop, MemberRole.MEMBER)
    log_in(client, member)
    assert client.get("/dashboard/kornblume/stripe/onboard").status_code == 403
    log_in(client, admin)
    response = client.get("/dashboard/kornblume/stripe/onboard")
    assert response.status_code == 303
    db.session.expire_all()
    account = db.session.get(Coop, coop.id).stripe_account_id
    assert response.headers["Location"] == f"{fake.url}/connect/onboarding/{account}"
    [made] = posts(fake, "/v1/accounts")
    assert made.params["country"] == "SE"
    assert made.params["capabilities"] == {"transfers": {"requested": "true"}}
    assert made.params["metadata"] == {"coop_id": str(coop.id), "coop_slug": "kornblume"}
    link = fake.account_links[-1]
    assert link["type"] == "account_onboarding" and link["account"] == account
    assert link["return_url"].endswith("/dashboard/kornblume/stripe/return")
    assert link["refresh_url"].endswith("/dashboard/kornblume/stripe/refresh")
    back = client.get("/dashboard/kornblume/stripe/return")  # onboarding not finished
    assert back.status_code == 302 and back.headers["Location"].endswith(
        "/dashboard/kornblume/payouts"
    )
    assert not db.session.get(Coop, coop.id).stripe_ready
    assert client.get("/dashboard/kornblume/stripe/onboard").status_code == 303
    assert len(posts(fake, "/v1/accounts")) == 1 and len(fake.account_links) == 2
    fake.set_account(account)  # the admin finished onboarding on Stripe
    back = client.get("/dashboard/kornblume/stripe/return", follow_redirects=True)
    assert "ready" in back.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Coop, coop.id).stripe_ready
    assert client.get("/dashboard/kornblume/stripe/refresh").status_code == 302


def test_a_reversal_made_on_stripes_dashboard_is_recorded_and_flagged(order, fake, client):
    order = reload(order)
    fake.succeed_payment(order.payment_intent_id)
    deliver_new(client, fake)
    transfer = transfers_of(order)[0]
    fake.reverse_transfer(str(transfer.stripe_transfer_id), 500)
    [response] = deliver_new(client, fake, "transfer.reversed")
    assert response.status_code == 200
    reversal = db.session.scalars(select(TransferReversal)).one()
    assert (reversal.refund_id, reversal.amount) == (None, 500)
    assert reversal.status is TransferStatus.PAID
    assert reversal.stripe_reversal_id == next(iter(fake.reversals))
    assert db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "transfer.reversed_on_stripe")
    )
    # no refund took it back from the co-op: the ledger check says so, for people to settle
    [breach] = ledger.check()
    assert f"co-op order {transfer.coop_order_id}" in breach


def test_the_order_page_of_a_card_order_shows_the_payment_element_and_a_bank_order_does_not(
    order, fake, client, buyer
):
    log_in(client, buyer)
    page = client.get(f"/orders/{order.reference}").get_data(as_text=True)
    intent = fake.payment_intents[reload(order).payment_intent_id]
    assert 'id="stripe-payment-form"' in page and "https://js.stripe.com/v3/" in page
    assert intent["client_secret"] in page
    assert "IBAN" not in page  # no bank details for a card order
    bank_order = place_order(buyer, (make_listing(price_amount=500, stock=3), 1))
    page = client.get(f"/orders/{bank_order.reference}").get_data(as_text=True)
    assert "js.stripe.com" not in page and "IBAN" in page
