"""The buyer's orders through the API: the order's exact shape, and only the buyer's own."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from marketplace.extensions import db
from marketplace.models import FeePolicy
from marketplace.services import personal_tokens
from tests.api.conftest import personal_bearer
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import Shipping, mark_paid, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")

ORDER_KEYS = {
    "id",
    "reference",
    "status",
    "payment_status",
    "placed_at",
    "total",
    "coop_orders",
    "payment",
}
COOP_ORDER_KEYS = {
    "id",
    "coop",
    "status",
    "shipping_method",
    "subtotal",
    "shipping",
    "total",
    "fee",
    "payout",
    "refunded",
    "processor_fee",
    "refunds",
    "tracking_reference",
    "cancel_reason",
    "lines",
}
LINE_KEYS = {"id", "listing_id", "title", "quantity", "unit_price", "vat_rate_bp", "total"}


@pytest.fixture
def three_coop_order(buyer):
    """An order from three co-ops under a 6 % fee: delivery, free delivery, and pickup."""
    db.session.add(FeePolicy(basis_points=600, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)))
    db.session.commit()
    bakery = make_coop(name="Bakery", slug="bakery", shipping_flat_fee=490)
    roastery = make_coop(
        name="Roastery", slug="roastery", shipping_flat_fee=390, shipping_free_above=2000
    )
    farm = make_coop(name="Farm", slug="farm", shipping_flat_fee=700, offers_pickup=True)
    rye = make_listing(coop=bakery, title="Rye", price_amount=450, vat_rate_bp=700)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=1199, vat_rate_bp=1900)
    eggs = make_listing(coop=farm, title="Eggs", price_amount=333, vat_rate_bp=700)
    return place_order(buyer, (rye, 2), (coffee, 2), (eggs, 3), shipping={farm.id: Shipping.PICKUP})


def money(amount: int) -> dict[str, object]:
    return {"amount": amount, "currency": "EUR"}


def test_a_three_coop_order_reads_with_the_exact_shape(client, buyer_auth, three_coop_order):
    response = client.get(f"/api/v1/orders/{three_coop_order.id}", headers=buyer_auth)

    assert response.status_code == 200
    order = response.get_json()
    assert set(order) == ORDER_KEYS
    assert order["id"] == three_coop_order.id
    assert order["reference"] == three_coop_order.reference
    assert (order["status"], order["payment_status"]) == ("open", "pending")
    assert datetime.fromisoformat(order["placed_at"]) == three_coop_order.placed_at
    assert order["total"] == money(900 + 490 + 2398 + 999)
    assert order["payment"]["method"] == "bank_transfer"
    assert order["payment"]["details"]["reference"] == three_coop_order.reference
    assert order["payment"]["due_at"]

    bakery, roastery, farm = order["coop_orders"]
    for coop_order in order["coop_orders"]:
        assert set(coop_order) == COOP_ORDER_KEYS
        assert coop_order["status"] == "placed"
        assert coop_order["tracking_reference"] is None and coop_order["cancel_reason"] is None
        assert all(set(line) == LINE_KEYS for line in coop_order["lines"])
        # every cent accounted for: what the co-op keeps and the fee make its total
        assert (
            coop_order["payout"]["amount"] + coop_order["fee"]["amount"]
            == coop_order["subtotal"]["amount"] + coop_order["shipping"]["amount"]
        )
    assert bakery["coop"] == {"slug": "bakery", "name": "Bakery"}
    assert (bakery["subtotal"], bakery["shipping"], bakery["fee"]) == (
        money(900),
        money(490),
        money(54),  # 6 % of the lines; shipping carries no fee
    )
    assert bakery["payout"] == money(900 + 490 - 54)
    assert (roastery["shipping"], roastery["fee"]) == (money(0), money(144))
    assert (farm["shipping_method"], farm["shipping"], farm["fee"]) == (
        "pickup",
        money(0),
        money(60),
    )
    assert bakery["lines"] == [
        {
            "id": three_coop_order.coop_orders[0].lines[0].id,
            "listing_id": three_coop_order.coop_orders[0].lines[0].listing_id,
            "title": "Rye",
            "quantity": 2,
            "unit_price": money(450),
            "vat_rate_bp": 700,
            "total": money(900),
        }
    ]
    assert roastery["lines"][0]["vat_rate_bp"] == 1900
    assert order["total"]["amount"] == sum(
        co["subtotal"]["amount"] + co["shipping"]["amount"] for co in order["coop_orders"]
    )


def test_a_paid_order_shows_no_payment_instructions(client, buyer_auth, three_coop_order):
    mark_paid(three_coop_order)
    order = client.get(f"/api/v1/orders/{three_coop_order.id}", headers=buyer_auth).get_json()
    assert (order["payment_status"], order["payment"]) == ("paid", None)


def test_the_list_holds_the_buyers_orders_newest_first(client, buyer, buyer_auth, bakery):
    first = place_order(buyer, (make_listing(coop=bakery), 1))
    second = place_order(buyer, (make_listing(coop=bakery), 2))
    place_order(make_user(), (make_listing(coop=bakery), 1))  # someone else's

    response = client.get("/api/v1/orders", headers=buyer_auth)

    assert response.status_code == 200
    listed = response.get_json()["orders"]
    assert [o["id"] for o in listed] == [second.id, first.id]
    assert all(set(o) == ORDER_KEYS for o in listed)
    assert listed[0]["coop_orders"][0]["lines"][0]["quantity"] == 2
    assert listed[0] == client.get(f"/api/v1/orders/{second.id}", headers=buyer_auth).get_json()


def test_a_buyer_without_orders_gets_an_empty_list(client, buyer_auth):
    assert client.get("/api/v1/orders", headers=buyer_auth).get_json() == {"orders": []}


def test_another_buyers_order_is_404_like_an_unknown_one(client, buyer, bakery):
    order = place_order(buyer, (make_listing(coop=bakery), 1))
    stranger = personal_bearer(make_user())
    for path in (f"/api/v1/orders/{order.id}", f"/api/v1/orders/{order.id + 1}"):
        response = client.get(path, headers=stranger)
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
    assert client.get("/api/v1/orders", headers=stranger).get_json() == {"orders": []}


def test_a_revoked_token_reads_nothing(client, buyer, bakery):
    order = place_order(buyer, (make_listing(coop=bakery), 1))
    token, plaintext = personal_tokens.create_token(buyer, "laptop")
    personal_tokens.revoke_token(buyer, token.id)
    response = client.get(
        f"/api/v1/orders/{order.id}", headers={"Authorization": f"Bearer {plaintext}"}
    )
    assert response.status_code == 401 and response.get_json()["code"] == "invalid_token"


@pytest.mark.parametrize("path", ["/api/v1/orders", "/api/v1/orders/1"])
def test_orders_need_a_personal_token(client, buyer, bakery, bakery_auth, path):
    place_order(buyer, (make_listing(coop=bakery), 1))
    for headers in ({}, bakery_auth):
        response = client.get(path, headers=headers)
        assert response.status_code == 401
        assert response.get_json()["code"] in {"unauthorized", "invalid_token"}


# --- the OpenAPI document -----------------------------------------------------------------

BUYER_PATHS = {
    "/api/v1/cart": {"get"},
    "/api/v1/cart/items": {"post"},
    "/api/v1/cart/items/{item_id}": {"patch", "delete"},
    "/api/v1/checkout": {"post"},
    "/api/v1/orders": {"get"},
    "/api/v1/orders/{order_id}": {"get"},
}
COOP_PATHS = {
    "/api/v1/coop-orders": {"get"},
    "/api/v1/coop-orders/{coop_order_id}": {"get", "patch"},
}


@pytest.fixture
def spec(client):
    return json.loads(client.get("/api/v1/openapi.json").get_data(as_text=True))


def test_every_order_path_is_documented_with_its_token(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["personalToken"]["scheme"] == "bearer"
    for paths, scheme in ((BUYER_PATHS, "personalToken"), (COOP_PATHS, "bearerAuth")):
        for path, methods in paths.items():
            assert set(spec["paths"][path]) - {"parameters"} == methods, path
            for method in methods:
                operation = spec["paths"][path][method]
                assert operation["security"] == [{scheme: []}], (method, path)
                assert "401" in operation["responses"], (method, path)
                assert operation["summary"] and operation["description"], (method, path)


def test_the_order_schema_documents_the_shape(spec):
    schemas = spec["components"]["schemas"]
    assert set(schemas["Order"]["properties"]) == ORDER_KEYS
    assert set(schemas["CoopOrder"]["properties"]) == COOP_ORDER_KEYS
    assert set(schemas["OrderLine"]["properties"]) == LINE_KEYS
    assert schemas["CoopOrder"]["properties"]["payout"]["allOf"] == [
        {"$ref": "#/components/schemas/Money"}
    ]
    checkout = spec["paths"]["/api/v1/checkout"]["post"]
    assert {"200", "201", "409", "422"} <= set(checkout["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in checkout.get("parameters", []))


def test_the_reference_page_shows_the_order_paths(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path, methods in {**BUYER_PATHS, **COOP_PATHS}.items():
        for method in methods:
            assert f"{method.upper()}</span> <code>{path}</code>" in page
