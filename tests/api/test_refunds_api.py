"""A co-op refunds its co-op orders through the API: lines or an amount, once per key."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from marketplace.domain.ledger import EventKind
from marketplace.extensions import db
from marketplace.models import (
    CoopOrder,
    LedgerTransaction,
    MemberRole,
    Membership,
    Order,
    PaymentSource,
    Refund,
)
from marketplace.services import api_tokens, ledger, payments
from tests.api.conftest import bearer, bearer_header, personal_bearer
from tests.factories import make_listing, make_member, make_user
from tests.governance_factories import adopt_fee_policy
from tests.order_factories import mark_paid, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")

MONEY_PARTS = ("payout", "fee", "refunded", "processor_fee")


@pytest.fixture
def order(app, buyer, bakery, roastery, rye) -> Order:
    """Paid under a 6 % fee: two rye loaves and a honey jar from the bakery (€13.00),
    a bag of coffee from the roastery."""
    adopt_fee_policy(basis_points=600)
    honey = make_listing(coop=bakery, title="Honey", price_amount=400, stock=5)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, stock=5)
    return mark_paid(place_order(buyer, (rye, 2), (honey, 1), (coffee, 1)))


@pytest.fixture
def part(order, bakery) -> CoopOrder:
    return next(co for co in order.coop_orders if co.coop_id == bakery.id)


def line_id(coop_order: CoopOrder, title: str) -> int:
    return next(line.id for line in coop_order.lines if line.title == title)


def refund(client, headers, coop_order: CoopOrder, key: str | None = "key-1", **body):
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(f"/api/v1/coop-orders/{coop_order.id}/refunds", headers=headers, json=body)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def ledger_refunds() -> int:
    return count(LedgerTransaction, LedgerTransaction.kind == EventKind.REFUND)


def test_a_line_refund_gives_back_its_units_and_says_where_the_money_came_from(
    client, bakery_auth, part
):
    rye = line_id(part, "Rye")

    response = refund(
        client, bakery_auth, part, lines=[{"line_id": rye, "quantity": 1}], reason="Burnt"
    )

    assert response.status_code == 201
    made = response.get_json()
    eur = {"currency": "EUR"}
    assert made["amount"] == {"amount": 450, **eur}
    assert made["lines"] == [{"line_id": rye, "quantity": 1, "amount": {"amount": 450, **eur}}]
    # 6 % of 1300 is 78; after 450 back: 51 of the 850 left, so 27 of the fee is returned
    assert made["fee_returned"] == {"amount": 27, **eur}
    assert made["reversal_amount"] == {"amount": 423, **eur}
    assert made["processor_fee_released"] == {"amount": 0, **eur}
    assert (made["status"], made["reason"], made["paid_at"]) == ("pending", "Burnt", None)
    assert made["coop_order_id"] == part.id
    shown = client.get(f"/api/v1/coop-orders/{part.id}", headers=bakery_auth).get_json()
    assert shown["refunds"] == [made]
    assert (shown["refunded"]["amount"], shown["fee"]["amount"], shown["payout"]["amount"]) == (
        450,
        51,
        799,
    )
    assert ledger.check() == []


def test_an_amount_refund_needs_no_lines(client, bakery_auth, part):
    response = refund(client, bakery_auth, part, key=None, amount=300, idempotency_key="a-1")

    assert response.status_code == 201
    made = response.get_json()
    assert made["amount"]["amount"] == 300 and made["lines"] == []
    assert made["reversal_amount"]["amount"] + made["fee_returned"]["amount"] == 300
    db.session.expire_all()
    assert db.session.get(CoopOrder, part.id).refunded_amount == 300
    assert ledger.check() == []


def test_the_same_key_gives_back_the_same_refund_and_refunds_once(client, bakery_auth, part):
    body = {"lines": [{"line_id": line_id(part, "Honey"), "quantity": 1}]}

    first = refund(client, bakery_auth, part, key="same", **body)
    again = refund(client, bakery_auth, part, key="same", **body)
    # a retry with another body still answers what the key made first
    other = refund(client, bakery_auth, part, key="same", amount=100)

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 200)
    assert first.get_json() == again.get_json() == other.get_json()
    assert count(Refund) == 1 and ledger_refunds() == 1
    assert ledger.check() == []


#: a malformed body -> the field `errors` names (one order for all: nothing is refunded)
MALFORMED = [
    ({}, "_body"),
    ({"amount": 100, "lines": [{"line_id": 1, "quantity": 1}]}, "_body"),
    ({"amount": -5}, "amount"),
    ({"amount": 0}, "amount"),
    ({"amount": "5"}, "amount"),
    ({"amount": 1.5}, "amount"),
    ({"lines": []}, "lines"),
    ({"lines": [{"line_id": 1, "quantity": 0}]}, "lines.0.quantity"),
    ({"lines": [{"line_id": 1}]}, "lines.0.quantity"),
    ({"amount": 100, "reason": "x" * 501}, "reason"),
    ({"amount": 100, "tip": 5}, "tip"),
]


def test_a_malformed_refund_is_422_and_refunds_nothing(client, bakery_auth, part):
    wrong = []
    for body, field in MALFORMED:
        response = refund(client, bakery_auth, part, **body)
        problem = response.get_json()
        if response.status_code != 422 or problem["code"] != "validation_failed":
            wrong.append(f"{body}: {response.status_code} {problem}")
        elif field not in problem["errors"]:
            wrong.append(f"{body}: {field} not in {problem['errors']}")
    assert not wrong, "\n".join(wrong)
    assert count(Refund) == 0


@pytest.mark.parametrize(
    ("make_body", "message"),
    [
        (lambda part, other: {"amount": 1301}, "At most €13.00 can still be refunded"),
        (
            lambda part, other: {"lines": [{"line_id": line_id(part, "Rye"), "quantity": 3}]},
            "Only 2 of “Rye” can still be refunded.",
        ),
        (
            lambda part, other: {"lines": [{"line_id": other.lines[0].id, "quantity": 1}]},
            "is not part of this order",
        ),
    ],
)
def test_a_refund_the_order_cannot_take_is_refused(
    client, bakery_auth, order, part, roastery, make_body, message
):
    other = next(co for co in order.coop_orders if co.coop_id == roastery.id)

    response = refund(client, bakery_auth, part, **make_body(part, other))

    assert response.status_code == 422
    assert response.get_json()["code"] == "refund_refused"
    assert message in response.get_json()["message"]
    assert count(Refund) == 0


def test_an_unpaid_order_cannot_be_refunded(client, bakery_auth, buyer, rye):
    unpaid = place_order(buyer, (rye, 1)).coop_orders[0]

    response = refund(client, bakery_auth, unpaid, amount=100)

    assert response.status_code == 422
    assert response.get_json() == {
        "code": "refund_refused",
        "message": "The order is not paid: there is nothing to refund.",
    }


def test_a_fully_refunded_order_refuses_more(client, bakery_auth, part):
    assert refund(client, bakery_auth, part, key="all", amount=1300).status_code == 201

    response = refund(client, bakery_auth, part, key="more", amount=1)

    assert response.status_code == 422
    assert response.get_json()["message"] == "This order has been refunded in full."
    assert ledger.check() == []


def test_a_refund_without_an_idempotency_key_is_400(client, bakery_auth, part):
    response = refund(client, bakery_auth, part, key=None, amount=100)

    assert response.status_code == 400
    assert response.get_json()["code"] == "idempotency_key_required"
    assert count(Refund) == 0


def test_another_coops_order_is_not_found(client, roastery_auth, part):
    response = refund(client, roastery_auth, part, amount=100)

    assert response.status_code == 404
    assert response.get_json()["code"] == "not_found"
    assert count(Refund) == 0


def test_only_a_token_made_by_a_coop_admin_may_refund(client, app, bakery, part):
    admin, member = make_user(), make_user()
    make_member(admin, bakery, MemberRole.ADMIN)
    make_member(member, bakery, MemberRole.MEMBER)
    _token, by_admin = api_tokens.create_token(bakery, "shop", by=admin)
    _token, by_member = api_tokens.create_token(bakery, "old", by=member)

    assert refund(client, {}, part, amount=100).status_code == 401
    assert refund(client, personal_bearer(admin), part, amount=100).status_code == 401
    refused = refund(client, bearer_header(by_member), part, amount=100)
    assert refused.status_code == 403 and refused.get_json()["code"] == "forbidden"
    assert refund(client, bearer_header(by_admin), part, key="k-a", amount=100).status_code == 201
    # the admin steps down: the tokens they made can no longer move money
    db.session.scalar(
        select(Membership).where(Membership.user_id == admin.id)
    ).role = MemberRole.MEMBER
    db.session.commit()
    assert refund(client, bearer_header(by_admin), part, key="k-b", amount=100).status_code == 403
    assert count(Refund) == 1


def test_every_coop_orders_money_adds_up_to_its_total_after_several_refunds(
    client, app, buyer, bakery, roastery, rye
):
    """With the co-ops bearing the processor fee: payout + fee + refunded + processor_fee."""
    app.config["PROCESSOR_FEE_BEARER"] = "coops"
    adopt_fee_policy(basis_points=600)
    honey = make_listing(coop=bakery, title="Honey", price_amount=333, stock=5)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, stock=5)
    order = place_order(buyer, (rye, 3), (honey, 2), (coffee, 1))
    payments.receive(order, order.total_amount, source=PaymentSource.ADMIN, processor_fee=97)
    part = next(co for co in order.coop_orders if co.coop_id == bakery.id)
    headers = bearer(bakery)
    for key, body in (
        ("r1", {"lines": [{"line_id": line_id(part, "Rye"), "quantity": 1}]}),
        ("r2", {"amount": 7}),
        ("r3", {"lines": [{"line_id": line_id(part, "Honey"), "quantity": 2}]}),
    ):
        assert refund(client, headers, part, key=key, **body).status_code == 201

    coop_side = client.get(f"/api/v1/coop-orders/{part.id}", headers=headers).get_json()
    buyer_side = client.get(f"/api/v1/orders/{order.id}", headers=personal_bearer(buyer))
    listed = client.get("/api/v1/coop-orders", headers=headers).get_json()["coop_orders"]

    assert coop_side["refunded"]["amount"] == 450 + 7 + 666
    assert coop_side["processor_fee"]["amount"] > 0
    assert len(coop_side["refunds"]) == 3 and listed == [coop_side]
    for coop_order in [coop_side, *buyer_side.get_json()["coop_orders"]]:
        parts = [coop_order[name]["amount"] for name in MONEY_PARTS]
        assert sum(parts) == coop_order["total"]["amount"], coop_order["coop"]
        assert min(parts) >= 0
        assert (
            coop_order["total"]["amount"]
            == coop_order["subtotal"]["amount"] + coop_order["shipping"]["amount"]
        )
    mine = next(co for co in buyer_side.get_json()["coop_orders"] if co["id"] == part.id)
    assert {key: mine[key] for key in (*MONEY_PARTS, "refunds")} == {
        key: coop_side[key] for key in (*MONEY_PARTS, "refunds")
    }
    assert ledger.check() == []


def test_the_refund_endpoint_is_documented(client):
    spec = json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))
    operation = spec["paths"]["/api/v1/coop-orders/{coop_order_id}/refunds"]["post"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "201", "400", "401", "403", "404", "422"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in operation["parameters"])
    body = spec["components"]["schemas"]["RefundCreate"]
    assert body["additionalProperties"] is False
    assert set(body["properties"]) == {"amount", "lines", "reason", "idempotency_key"}
    codes = spec["components"]["schemas"]["Error"]["properties"]["code"]["description"]
    assert "idempotency_key_required" in codes and "refund_refused" in codes
    coop_order = spec["components"]["schemas"]["CoopOrder"]["properties"]
    assert {"total", "fee", "payout", "refunded", "processor_fee", "refunds"} <= set(coop_order)
