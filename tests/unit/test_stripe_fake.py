"""The fake Stripe server, driven through the real `stripe` package over loopback."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import stripe

from tests import stripe_fake as fake_module
from tests.stripe_fake import FakeStripe, client_for, decode_form

stripe_fake = fake_module.stripe_fake  # the shared fixture, as conftest files import it


@pytest.fixture
def client(stripe_fake: FakeStripe) -> stripe.StripeClient:
    return client_for(stripe_fake)


def onboarded_account(fake: FakeStripe, client: stripe.StripeClient) -> str:
    account = client.v1.accounts.create(
        params={
            "type": "express",
            "country": "DE",
            "capabilities": {"transfers": {"requested": True}},
        }
    )
    fake.set_account(account.id)
    return account.id


def paid_charge(fake: FakeStripe, client: stripe.StripeClient, amount: int = 10_000) -> str:
    intent = client.v1.payment_intents.create(
        params={"amount": amount, "currency": "eur", "transfer_group": "order-7"}
    )
    return fake.succeed_payment(intent.id)


def transfer_params(destination: str, charge: str, amount: int) -> dict[str, object]:
    return {
        "amount": amount,
        "currency": "eur",
        "destination": destination,
        "source_transaction": charge,
    }


def test_creating_a_payment_intent_and_succeeding_it_makes_a_charge_with_a_balance_transaction_fee(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(
        params={
            "amount": 10_000,
            "currency": "eur",
            "transfer_group": "order-7",
            "metadata": {"order": "7"},
            "automatic_payment_methods": {"enabled": True},
        },
        options={"idempotency_key": "checkout-7"},
    )
    assert intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(f"{intent.id}_secret_")

    charge_id = stripe_fake.succeed_payment(intent.id)

    paid = client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge.balance_transaction"]}
    )
    assert paid.status == "succeeded"
    assert paid.amount_received == 10_000
    assert paid.latest_charge.id == charge_id
    assert paid.latest_charge.transfer_group == "order-7"
    assert paid.latest_charge.balance_transaction.fee == 175  # 1.5 % + 25
    assert paid.latest_charge.balance_transaction.net == 9_825
    assert [e["type"] for e in stripe_fake.events] == [
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    assert stripe_fake.events[1]["data"]["object"]["latest_charge"] == charge_id


def test_the_stripe_fee_rounds_half_up_and_can_be_given() -> None:
    assert FakeStripe.stripe_fee(1_100) == 17 + 25  # 16.5 -> 17
    assert FakeStripe.stripe_fee(1_033) == 15 + 25  # 15.495 -> 15
    with FakeStripe() as fake:
        intent = client_for(fake).v1.payment_intents.create(
            params={"amount": 900, "currency": "eur"}
        )
        charge = fake.charges[fake.succeed_payment(intent.id, fee=0)]
        assert fake.balance_transactions[charge["balance_transaction"]]["net"] == 900


def test_a_transfer_over_what_is_left_of_its_source_charge_fails_with_balance_insufficient(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = onboarded_account(stripe_fake, client)
    charge = paid_charge(stripe_fake, client, 10_000)
    first = client.v1.transfers.create(params=transfer_params(account, charge, 6_000))
    assert first.transfer_group == "order-7"  # taken from the charge

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(params=transfer_params(account, charge, 4_001))

    assert refused.value.code == "balance_insufficient"
    assert refused.value.http_status == 400
    client.v1.transfers.create(params=transfer_params(account, charge, 4_000))
    assert len(stripe_fake.transfers) == 2


def test_a_transfer_to_an_account_without_the_transfers_capability_is_refused(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = onboarded_account(stripe_fake, client)
    charge = paid_charge(stripe_fake, client)
    stripe_fake.set_account(account, transfers="inactive", payouts_enabled=False)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(params=transfer_params(account, charge, 100))

    assert refused.value.code == "insufficient_capabilities_for_transfer"
    event = stripe_fake.events[-1]
    assert event["type"] == "account.updated"
    assert event["account"] == account
    assert event["data"]["object"]["capabilities"]["transfers"] == "inactive"
    assert event["data"]["previous_attributes"]["payouts_enabled"] is True


def test_a_500_on_the_first_transfer_request_is_retried_with_the_same_key_and_makes_one_transfer(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = onboarded_account(stripe_fake, client)
    charge = paid_charge(stripe_fake, client)
    stripe_fake.fail_next("POST", "/v1/transfers", "500")

    transfer = client.v1.transfers.create(
        params=transfer_params(account, charge, 3_000),
        options={"idempotency_key": "order-7-coop-1"},
    )

    posts = [r for r in stripe_fake.requests if r.method == "POST" and r.path == "/v1/transfers"]
    assert [r.idempotency_key for r in posts] == ["order-7-coop-1", "order-7-coop-1"]
    assert posts[0].params == posts[1].params
    assert posts[0].params["amount"] == "3000"  # recorded as sent
    assert list(stripe_fake.transfers) == [transfer.id]


def test_a_timeout_on_transfer_creation_is_retried_and_replayed_making_one_transfer(
    stripe_fake: FakeStripe,
) -> None:
    stripe_fake.timeout_seconds = 0.3
    client = client_for(stripe_fake, timeout=0.3)
    account = onboarded_account(stripe_fake, client)
    charge = paid_charge(stripe_fake, client)
    stripe_fake.fail_next("POST", "/v1/transfers", "timeout")

    transfer = client.v1.transfers.create(params=transfer_params(account, charge, 3_000))

    posts = [r for r in stripe_fake.requests if r.path == "/v1/transfers"]
    assert len(posts) == 2
    assert posts[0].idempotency_key == posts[1].idempotency_key  # the SDK's own key
    assert transfer.last_response.headers["Idempotent-Replayed"] == "true"
    assert list(stripe_fake.transfers) == [transfer.id]
    assert [e["type"] for e in stripe_fake.events].count("transfer.created") == 1


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"bogus": "1"}, "bogus", "parameter_unknown"),
        (
            {"transfer_data": {"destination": "acct_1", "bogus": "1"}},
            "transfer_data[bogus]",
            "parameter_unknown",
        ),
        ({"amount": "ten"}, "amount", "parameter_invalid_integer"),
        ({"amount": 0}, "amount", "parameter_invalid_integer"),
        (
            {"payment_method_options": {"card": {"capture_method": "whenever"}}},
            "payment_method_options[card][capture_method]",
            None,
        ),
        (
            {"automatic_payment_methods": {"allow_redirects": "never"}},
            "automatic_payment_methods[enabled]",
            "parameter_missing",
        ),
        ({"confirm": "maybe"}, "confirm", None),
    ],
)
def test_a_parameter_the_sdk_does_not_declare_or_of_the_wrong_type_is_refused_with_400_naming_it(
    stripe_fake: FakeStripe,
    client: stripe.StripeClient,
    params: dict[str, object],
    param: str,
    code: str | None,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur", **params})

    assert refused.value.http_status == 400
    assert refused.value.param == param
    assert refused.value.code == code
    assert stripe_fake.payment_intents == {}


def test_a_missing_required_parameter_is_refused_and_does_not_use_up_the_idempotency_key(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.create(
            params={"amount": 100, "currency": "eur"}, options={"idempotency_key": "k"}
        )
    assert (refused.value.param, refused.value.code) == ("destination", "parameter_missing")

    account = onboarded_account(stripe_fake, client)
    transfer = client.v1.transfers.create(
        params={"amount": 100, "currency": "eur", "destination": account},
        options={"idempotency_key": "k"},
    )
    assert transfer.destination == account


def test_reusing_an_idempotency_key_replays_the_same_request_and_refuses_other_parameters(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    params = {"amount": 2_000, "currency": "eur", "metadata": {"order": "9"}}
    first = client.v1.payment_intents.create(params=params, options={"idempotency_key": "pi-9"})
    again = client.v1.payment_intents.create(params=params, options={"idempotency_key": "pi-9"})

    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert len(stripe_fake.payment_intents) == 1
    with pytest.raises(stripe.IdempotencyError) as refused:
        client.v1.payment_intents.create(
            params={**params, "amount": 2_001}, options={"idempotency_key": "pi-9"}
        )
    assert refused.value.http_status == 400
    assert refused.value.error.type == "idempotency_error"
    assert len(stripe_fake.payment_intents) == 1


def test_a_business_error_is_stored_under_its_key_until_the_keys_expire(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = onboarded_account(stripe_fake, client)
    charge = paid_charge(stripe_fake, client)
    stripe_fake.fail_next("POST", "/v1/transfers", "insufficient_balance")
    params, options = transfer_params(account, charge, 500), {"idempotency_key": "t-1"}
    for _ in range(2):
        with pytest.raises(stripe.InvalidRequestError) as refused:
            client.v1.transfers.create(params=params, options=options)
        assert refused.value.code == "balance_insufficient"
    assert refused.value.headers["Idempotent-Replayed"] == "true"

    stripe_fake.expire_idempotency_keys()
    assert client.v1.transfers.create(params=params, options=options).amount == 500


def test_an_injected_card_decline_answers_402_card_error(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    stripe_fake.fail_next("POST", "/v1/payment_intents", "card_declined")

    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"})

    assert (declined.value.http_status, declined.value.code) == (402, "card_declined")
    assert client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"}).id


def test_failing_a_payment_records_the_error_and_emits_payment_failed(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"})

    event = stripe_fake.fail_payment(intent.id, code="insufficient_funds")

    assert event["type"] == "payment_intent.payment_failed"
    failed = client.v1.payment_intents.retrieve(intent.id)
    assert failed.status == "requires_payment_method"
    assert failed.last_payment_error.code == "insufficient_funds"
    assert failed.last_payment_error.type == "card_error"


def test_confirming_at_creation_with_a_test_payment_method_pays_or_declines_at_once(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    paid = client.v1.payment_intents.create(
        params={
            "amount": 1_000,
            "currency": "eur",
            "confirm": True,
            "payment_method": "pm_card_visa",
        }
    )
    assert paid.status == "succeeded"
    assert paid.latest_charge in stripe_fake.charges

    with pytest.raises(stripe.CardError) as declined:
        client.v1.payment_intents.create(
            params={
                "amount": 1_000,
                "currency": "eur",
                "confirm": True,
                "payment_method": "pm_card_chargeDeclined",
            }
        )
    assert declined.value.code == "card_declined"
    assert declined.value.error.payment_intent.status == "requires_payment_method"


def test_an_intent_can_be_updated_until_paid_and_cancelled_unless_paid(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(
        params={"amount": 1_000, "currency": "eur", "metadata": {"a": "1", "b": "2"}}
    )
    updated = client.v1.payment_intents.update(
        intent.id, params={"amount": 1_200, "metadata": {"b": "", "c": "3"}}
    )
    assert updated.amount == 1_200
    assert updated.metadata.to_dict() == {"a": "1", "c": "3"}

    stripe_fake.succeed_payment(intent.id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.update(intent.id, params={"amount": 1_300})
    assert refused.value.code == "payment_intent_unexpected_state"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.cancel(intent.id)

    other = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"})
    cancelled = client.v1.payment_intents.cancel(
        other.id, params={"cancellation_reason": "abandoned"}
    )
    assert (cancelled.status, cancelled.cancellation_reason) == ("canceled", "abandoned")
    assert stripe_fake.events[-1]["type"] == "payment_intent.canceled"


def test_a_signature_from_signed_verifies_with_the_sdk_and_a_tampered_payload_does_not(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    intent = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"})
    stripe_fake.succeed_payment(intent.id)
    payload, headers = stripe_fake.signed(stripe_fake.events[-1])
    header = headers["Stripe-Signature"]

    event = stripe.Webhook.construct_event(payload, header, stripe_fake.webhook_secret)
    assert event.type == "payment_intent.succeeded"
    assert event.data.object.id == intent.id
    assert client.construct_event(payload, header, stripe_fake.webhook_secret).id == event.id

    tampered = payload.replace(b'"succeeded"', b'"canceled"', 1)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(tampered, header, stripe_fake.webhook_secret)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(payload, header, "whsec_someone_else")
    old, old_headers = stripe_fake.signed(stripe_fake.events[-1], timestamp=int(time.time()) - 600)
    with pytest.raises(stripe.SignatureVerificationError):
        client.construct_event(old, old_headers["Stripe-Signature"], stripe_fake.webhook_secret)


def test_a_reversal_over_the_transferred_amount_is_refused(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = onboarded_account(stripe_fake, client)
    transfer = client.v1.transfers.create(
        params=transfer_params(account, paid_charge(stripe_fake, client), 3_000)
    )
    client.v1.transfers.reversals.create(transfer.id, params={"amount": 1_000})
    stripe_fake.reverse_transfer(transfer.id, 500)  # in the Dashboard

    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.transfers.reversals.create(transfer.id, params={"amount": 1_501})

    assert refused.value.param == "amount"
    last = client.v1.transfers.reversals.create(transfer.id, params={"metadata": {"refund": "1"}})
    assert last.amount == 1_500  # the rest, by default
    after = client.v1.transfers.retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (3_000, True)
    assert len(client.v1.transfers.reversals.list(transfer.id).data) == 3
    assert [e["type"] for e in stripe_fake.events].count("transfer.reversed") == 3


def test_a_refund_emits_charge_refunded_and_refund_created(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    charge = paid_charge(stripe_fake, client, 5_000)
    intent = stripe_fake.charges[charge]["payment_intent"]

    refund = client.v1.refunds.create(params={"payment_intent": intent, "amount": 2_000})

    assert (refund.charge, refund.status) == (charge, "succeeded")
    refunded, created = stripe_fake.events[-2:]
    assert refunded["type"] == "charge.refunded"
    assert refunded["data"]["object"]["amount_refunded"] == 2_000
    assert refunded["data"]["object"]["refunded"] is False
    assert refunded["data"]["previous_attributes"]["amount_refunded"] == 0
    assert created["type"] == "refund.created"
    assert created["data"]["object"]["id"] == refund.id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create(params={"charge": charge, "amount": 3_001})
    assert refused.value.param == "amount"
    client.v1.refunds.create(params={"charge": charge})
    assert client.v1.charges.retrieve(charge).refunded is True


def test_a_dispute_emits_charge_dispute_created(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    charge = paid_charge(stripe_fake, client, 5_000)

    dispute = stripe_fake.dispute(charge)

    event = stripe_fake.events[-1]
    assert event["type"] == "charge.dispute.created"
    assert event["data"]["object"]["id"] == dispute
    assert event["data"]["object"]["amount"] == 5_000
    assert event["data"]["object"]["reason"] == "fraudulent"


def test_an_account_link_points_at_onboarding_on_the_fake_that_redirects_back(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    account = client.v1.accounts.create(params={"type": "express", "country": "DE"})
    assert account.charges_enabled is False
    link = client.v1.account_links.create(
        params={
            "account": account.id,
            "type": "account_onboarding",
            "return_url": "https://coop.test/stripe/return",
            "refresh_url": "https://coop.test/stripe/refresh",
        }
    )

    assert link.url == f"{stripe_fake.url}/connect/onboarding/{account.id}"
    assert stripe_fake.account_links[-1]["return_url"] == "https://coop.test/stripe/return"
    with requests.Session() as browser:
        response = browser.get(link.url, allow_redirects=False)
    assert response.headers["Location"] == "https://coop.test/stripe/return"
    onboarded = client.v1.accounts.retrieve(account.id)
    assert onboarded.capabilities.transfers == "active"
    assert onboarded.details_submitted is True


def test_an_unknown_path_answers_404_with_a_stripe_shaped_error(stripe_fake: FakeStripe) -> None:
    with requests.Session() as session:
        response = session.get(
            f"{stripe_fake.url}/v1/payouts/po_1", headers={"Authorization": "Bearer sk_test_x"}
        )
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "/v1/payouts/po_1" in response.json()["error"]["message"]


def test_retrieving_an_unknown_object_answers_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.transfers.retrieve("tr_nope")
    assert (missing.value.http_status, missing.value.code) == (404, "resource_missing")


def test_events_can_be_fetched_taken_and_delivered_over_http(
    stripe_fake: FakeStripe, client: stripe.StripeClient
) -> None:
    received: list[tuple[bytes, str]] = []

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["Stripe-Signature"]))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    intent = client.v1.payment_intents.create(params={"amount": 1_000, "currency": "eur"})
    stripe_fake.succeed_payment(intent.id)
    assert client.v1.events.retrieve(stripe_fake.events[0]["id"]).type == "charge.succeeded"
    assert [e["type"] for e in stripe_fake.take_events()] == [
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    stripe_fake.fail_payment(
        client.v1.payment_intents.create(params={"amount": 900, "currency": "eur"}).id
    )

    with ThreadingHTTPServer(("127.0.0.1", 0), Endpoint) as endpoint:
        thread = threading.Thread(target=endpoint.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        try:
            url = f"http://127.0.0.1:{endpoint.server_address[1]}/webhooks/stripe"
            assert stripe_fake.deliver(url) == [200]
            assert stripe_fake.deliver(url) == []
        finally:
            endpoint.shutdown()
            thread.join()

    body, signature = received[0]
    event = stripe.Webhook.construct_event(body, signature, stripe_fake.webhook_secret)
    assert event.type == "payment_intent.payment_failed"
    assert json.loads(body)["pending_webhooks"] == 1


def test_decode_form_reads_stripes_nested_encoding() -> None:
    pairs = [
        ("amount", "100"),
        ("metadata[order]", "7"),
        ("metadata[0]", "x"),
        ("expand[0]", "a"),
        ("expand[1]", "b.c"),
        ("items[0][price]", "p"),
        ("items[0][tax][rate]", "t"),
        ("list[]", "z"),
    ]

    assert decode_form(pairs) == {
        "amount": "100",
        "metadata": {"order": "7", "0": "x"},
        "expand": ["a", "b.c"],
        "items": [{"price": "p", "tax": {"rate": "t"}}],
        "list": ["z"],
    }


def test_the_fixture_server_stops_cleanly_and_refuses_connections_afterwards() -> None:
    fake = FakeStripe().start()
    client = client_for(fake, max_network_retries=0)
    client.v1.accounts.create(params={"country": "DE"})
    fake.stop()

    with pytest.raises(stripe.APIConnectionError):
        client.v1.accounts.create(params={"country": "DE"})
