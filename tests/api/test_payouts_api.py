"""A co-op reads its payouts through the API: each transfer and each reversal for a refund."""

from __future__ import annotations

import json

import pytest

from marketplace.models import MemberRole
from marketplace.services import api_tokens, ledger, refunds, transfers
from tests.api.conftest import bearer_header
from tests.factories import make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")

TRANSFER_KEYS = {
    "id",
    "coop_order_id",
    "order_reference",
    "amount",
    "status",
    "method",
    "stripe_transfer_id",
    "last_error",
    "created_at",
    "paid_at",
}
REVERSAL_KEYS = {
    "id",
    "transfer_id",
    "refund_id",
    "coop_order_id",
    "order_reference",
    "amount",
    "status",
    "stripe_reversal_id",
    "last_error",
    "created_at",
    "done_at",
}


def paid_order(coop, price: int):
    return mark_paid(place_order(make_user(), (make_listing(coop=coop, price_amount=price), 1)))


@pytest.fixture
def payouts(app, bakery, roastery):
    """The bakery: one order paid out and refunded in part after, one waiting; and an order
    of the roastery's."""
    adopt_fee_policy(basis_points=600)
    first = paid_order(bakery, 1000)
    transfers.mark_bank_payout_paid(bakery, "EUR", actor=None)
    second = paid_order(bakery, 2000)
    paid_order(roastery, 500)
    made, _created = refunds.refund(
        first.coop_orders[0], actor=None, idempotency_key="r1", amount=500
    )
    return first, second, made


def test_a_coop_lists_its_transfers_and_reversals_newest_first(client, bakery_auth, payouts):
    first, second, made = payouts

    response = client.get("/api/v1/coop/payouts", headers=bakery_auth)

    assert response.status_code == 200
    body = response.get_json()
    sent, taken = body["transfers"], body["reversals"]
    assert [t["order_reference"] for t in sent] == [second.reference, first.reference]
    assert all(set(t) == TRANSFER_KEYS for t in sent)
    waiting, paid = sent
    assert (waiting["amount"], waiting["status"], waiting["paid_at"]) == (
        {"amount": 1880, "currency": "EUR"},
        "pending",
        None,
    )
    assert (paid["amount"], paid["status"], paid["method"]) == (
        {"amount": 940, "currency": "EUR"},
        "paid",
        "bank_transfer",
    )
    assert paid["coop_order_id"] == first.coop_orders[0].id and paid["paid_at"]
    assert paid["stripe_transfer_id"] is None and paid["last_error"] is None
    assert len(taken) == 1 and set(taken[0]) == REVERSAL_KEYS
    assert taken[0] | {"created_at": None} == {
        "id": taken[0]["id"],
        "transfer_id": paid["id"],
        "refund_id": made.id,
        "coop_order_id": first.coop_orders[0].id,
        "order_reference": first.reference,
        "amount": {"amount": 470, "currency": "EUR"},
        "status": "pending",
        "stripe_reversal_id": None,
        "last_error": None,
        "created_at": None,
        "done_at": None,
    }
    assert ledger.check() == []


def test_a_reversal_netted_against_a_payout_is_done(client, bakery, bakery_auth, payouts):
    transfers.mark_bank_payout_paid(bakery, "EUR", actor=None, expected=1880 - 470)

    body = client.get("/api/v1/coop/payouts", headers=bakery_auth).get_json()

    assert {t["status"] for t in body["transfers"]} == {"paid"}
    assert body["reversals"][0]["status"] == "paid" and body["reversals"][0]["done_at"]
    assert ledger.check() == []


def test_a_coop_sees_only_its_own_payouts(client, roastery_auth, payouts):
    body = client.get("/api/v1/coop/payouts", headers=roastery_auth).get_json()
    assert [t["amount"]["amount"] for t in body["transfers"]] == [470]
    assert body["reversals"] == []


def test_a_coop_without_payouts_gets_empty_lists(client, bakery_auth):
    response = client.get("/api/v1/coop/payouts", headers=bakery_auth)
    assert response.status_code == 200
    assert response.get_json() == {"transfers": [], "reversals": []}


def test_payouts_need_a_token_of_a_coop_admin(client, bakery):
    member = make_user()
    make_member(member, bakery, MemberRole.MEMBER)
    _token, plaintext = api_tokens.create_token(bakery, "member's", by=member)

    assert client.get("/api/v1/coop/payouts").status_code == 401
    refused = client.get("/api/v1/coop/payouts", headers=bearer_header(plaintext))
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"


def test_the_payouts_endpoint_is_documented(client):
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    operation = spec["paths"]["/api/v1/coop/payouts"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403"} <= set(operation["responses"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["Transfer"]["properties"]) == TRANSFER_KEYS
    assert set(schemas["Reversal"]["properties"]) == REVERSAL_KEYS
