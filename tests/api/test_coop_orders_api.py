"""A co-op fulfils its co-op orders through the API with its token, and only its own."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import CoopOrder, CoopStatus, Listing
from tests.api.conftest import bearer, personal_bearer
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import mark_paid, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")


@pytest.fixture
def order(buyer, rye, roastery):
    """One order: two loaves from the bakery, a bag of coffee from the roastery."""
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, stock=3)
    return place_order(buyer, (rye, 2), (coffee, 1))


@pytest.fixture
def bakery_part(order, bakery) -> CoopOrder:
    return next(co for co in order.coop_orders if co.coop_id == bakery.id)


@pytest.fixture
def roastery_part(order, roastery) -> CoopOrder:
    return next(co for co in order.coop_orders if co.coop_id == roastery.id)


def status_of(coop_order: CoopOrder) -> str:
    db.session.expire_all()
    return db.session.get(CoopOrder, coop_order.id).status.value


def patch(client, headers, coop_order: CoopOrder, **body):
    return client.patch(f"/api/v1/coop-orders/{coop_order.id}", headers=headers, json=body)


# --- reading ------------------------------------------------------------------------------


def test_a_coop_lists_only_its_own_coop_orders(client, bakery_auth, order, bakery_part):
    other = place_order(make_user(), (make_listing(coop=make_coop()), 1))

    response = client.get("/api/v1/coop-orders", headers=bakery_auth)

    assert response.status_code == 200
    listed = response.get_json()["coop_orders"]
    assert [co["id"] for co in listed] == [bakery_part.id]
    assert other.coop_orders[0].id not in {co["id"] for co in listed}
    assert listed[0]["coop"]["slug"] == "kornblume"
    assert listed[0]["lines"][0]["title"] == "Rye"


def test_one_coop_order_reads_with_its_order_and_address(client, bakery_auth, order, bakery_part):
    response = client.get(f"/api/v1/coop-orders/{bakery_part.id}", headers=bakery_auth)

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == bakery_part.id and body["status"] == "placed"
    assert body["subtotal"] == {"amount": 900, "currency": "EUR"}
    assert body["payout"]["amount"] + body["fee"]["amount"] == 900 + body["shipping"]["amount"]
    assert body["order"] == {
        "reference": order.reference,
        "placed_at": body["order"]["placed_at"],
        "payment_status": "pending",
        "ship_to": {
            "name": "Ada Buyer",
            "line1": "Hauptstraße 1",
            "line2": "",
            "postcode": "10115",
            "city": "Berlin",
            "country": "DE",
        },
    }
    listed = client.get("/api/v1/coop-orders", headers=bakery_auth).get_json()["coop_orders"]
    assert listed == [body]


def test_the_list_filters_by_status(client, bakery_auth, buyer, rye, bakery_part):
    second = place_order(buyer, (rye, 1)).coop_orders[0]
    assert patch(client, bakery_auth, second, status="accepted").status_code == 200

    def ids(status: str) -> list[int]:
        response = client.get(f"/api/v1/coop-orders?status={status}", headers=bakery_auth)
        assert response.status_code == 200
        return [co["id"] for co in response.get_json()["coop_orders"]]

    assert ids("placed") == [bakery_part.id]
    assert ids("accepted") == [second.id]
    assert ids("shipped") == []
    response = client.get("/api/v1/coop-orders?status=lost", headers=bakery_auth)
    assert response.status_code == 422 and "status" in response.get_json()["errors"]


def test_another_coops_coop_order_is_404_to_read(client, bakery_auth, roastery_part):
    for coop_order_id in (roastery_part.id, roastery_part.id + 100):
        response = client.get(f"/api/v1/coop-orders/{coop_order_id}", headers=bakery_auth)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"


# --- changing -----------------------------------------------------------------------------


def test_a_coop_accepts_ships_with_tracking_and_delivers(client, bakery_auth, order, bakery_part):
    accepted = patch(client, bakery_auth, bakery_part, status="accepted")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"

    refused = patch(client, bakery_auth, bakery_part, status="shipped")
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "payment_pending"
    assert status_of(bakery_part) == "accepted"

    mark_paid(order)
    shipped = patch(
        client, bakery_auth, bakery_part, status="shipped", tracking_reference=" DHL-123 "
    )
    assert shipped.status_code == 200
    assert shipped.get_json()["status"] == "shipped"
    assert shipped.get_json()["tracking_reference"] == "DHL-123"
    assert shipped.get_json()["order"]["payment_status"] == "paid"

    delivered = patch(client, bakery_auth, bakery_part, status="delivered")
    assert delivered.status_code == 200 and delivered.get_json()["status"] == "delivered"
    assert status_of(bakery_part) == "delivered"


def test_cancelling_needs_a_reason_and_restocks(client, bakery_auth, rye, bakery_part):
    assert db.session.get(Listing, rye.id).stock == 3
    missing = patch(client, bakery_auth, bakery_part, status="cancelled")
    blank = patch(client, bakery_auth, bakery_part, status="cancelled", reason="   ")
    for response in (missing, blank):
        assert response.status_code == 422
        assert response.get_json()["code"] == "validation_failed"
        assert list(response.get_json()["errors"]) == ["reason"]
    assert status_of(bakery_part) == "placed"

    cancelled = patch(client, bakery_auth, bakery_part, status="cancelled", reason="Oven broke")
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    assert cancelled.get_json()["cancel_reason"] == "Oven broke"
    db.session.expire_all()
    assert db.session.get(Listing, rye.id).stock == 5


def test_a_move_the_status_does_not_allow_is_409_transition_refused(
    client, bakery_auth, order, bakery_part
):
    mark_paid(order)
    skipped = patch(client, bakery_auth, bakery_part, status="delivered")
    assert skipped.status_code == 409
    assert skipped.get_json()["code"] == "transition_refused"
    assert skipped.get_json()["status"] == "placed"
    patch(client, bakery_auth, bakery_part, status="accepted")
    patch(client, bakery_auth, bakery_part, status="shipped")
    late = patch(client, bakery_auth, bakery_part, status="cancelled", reason="Too late")
    assert late.status_code == 409 and late.get_json()["code"] == "transition_refused"
    assert status_of(bakery_part) == "shipped"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "placed"}, "status"),
        ({"status": "expired"}, "status"),
        ({}, "status"),
        ({"status": "accepted", "colour": "red"}, "colour"),
        ({"status": "shipped", "tracking_reference": 42}, "tracking_reference"),
    ],
)
def test_a_bad_change_is_422(client, bakery_auth, bakery_part, body, field):
    response = patch(client, bakery_auth, bakery_part, **body)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert status_of(bakery_part) == "placed"


def test_a_too_long_tracking_reference_is_422(client, bakery_auth, order, bakery_part):
    mark_paid(order)
    patch(client, bakery_auth, bakery_part, status="accepted")
    response = patch(
        client, bakery_auth, bakery_part, status="shipped", tracking_reference="x" * 121
    )
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["tracking_reference"]
    assert status_of(bakery_part) == "accepted"


def test_another_coops_coop_order_is_404_to_change_and_stays(client, bakery_auth, roastery_part):
    for body in ({"status": "accepted"}, {"status": "cancelled", "reason": "Not ours"}):
        response = patch(client, bakery_auth, roastery_part, **body)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
    assert status_of(roastery_part) == "placed"


# --- who may --------------------------------------------------------------------------------


def coop_calls(coop_order_id: int):
    return [
        ("get", "/api/v1/coop-orders", None),
        ("get", f"/api/v1/coop-orders/{coop_order_id}", None),
        ("patch", f"/api/v1/coop-orders/{coop_order_id}", {"status": "accepted"}),
    ]


def test_coop_orders_need_the_coops_token_not_a_personal_one(client, buyer, bakery_part):
    member = make_user()
    for headers, code in (
        ({}, "unauthorized"),
        (personal_bearer(buyer), "invalid_token"),
        (personal_bearer(member), "invalid_token"),
    ):
        for method, path, body in coop_calls(bakery_part.id):
            response = getattr(client, method)(path, headers=headers, json=body)
            assert response.status_code == 401, (method, path, headers)
            assert response.get_json()["code"] == code
    assert status_of(bakery_part) == "placed"


def test_a_suspended_coops_token_is_403(client, bakery, bakery_part):
    headers = bearer(bakery)
    bakery.status = CoopStatus.SUSPENDED
    db.session.commit()
    for method, path, body in coop_calls(bakery_part.id):
        response = getattr(client, method)(path, headers=headers, json=body)
        assert response.status_code == 403
        assert response.get_json()["code"] == "coop_suspended"
    assert status_of(bakery_part) == "placed"
