"""Checking out through the API: one order per checkout, idempotent, changes and sold out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from marketplace.extensions import db
from marketplace.models import Listing, Order
from tests.api.conftest import cart_items, personal_bearer
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import fill_cart

pytestmark = pytest.mark.usefixtures("no_search_sync")

ADDRESS = {
    "name": "Ada Buyer",
    "line1": "Hauptstraße 1",
    "postcode": "10115",
    "city": "Berlin",
    "country": "de",
}


def checkout(client, headers, **body):
    body.setdefault("address", ADDRESS)
    body.setdefault("payment_method", "bank_transfer")
    body.setdefault("idempotency_key", "first-try")
    return client.post("/api/v1/checkout", headers=headers, json=body)


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def stock(listing) -> int:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).stock


# --- placing --------------------------------------------------------------------------------


def test_checkout_places_one_order_reserves_the_stock_and_empties_the_cart(
    client, buyer, buyer_auth, rye, roastery
):
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, stock=4)
    fill_cart(buyer, (rye, 2), (coffee, 1))

    response = checkout(client, buyer_auth)

    assert response.status_code == 201
    order = response.get_json()
    assert order["status"] == "open" and order["payment_status"] == "pending"
    assert order["total"] == {"amount": 900 + 899, "currency": "EUR"}
    assert [co["coop"]["slug"] for co in order["coop_orders"]] == ["kornblume", "fika"]
    assert order["payment"]["method"] == "bank_transfer"
    assert order["payment"]["details"]["reference"] == order["reference"]
    assert response.headers["Location"].endswith(f"/api/v1/orders/{order['id']}")
    placed = db.session.get(Order, order["id"])
    assert placed.buyer_id == buyer.id and placed.ship_country == "DE"
    assert (stock(rye), stock(coffee)) == (3, 3)
    assert cart_items(buyer) == {}


def test_pickup_is_chosen_per_coop_by_slug(client, buyer, buyer_auth, rye):
    farm = make_coop(slug="farm", shipping_flat_fee=500, offers_pickup=True)
    eggs = make_listing(coop=farm, price_amount=300, stock=10)
    bakery = rye.coop
    bakery.shipping_flat_fee = 490
    db.session.commit()
    fill_cart(buyer, (rye, 1), (eggs, 2))

    response = checkout(client, buyer_auth, shipping={"farm": "pickup", "kornblume": "delivery"})

    assert response.status_code == 201
    shipping = {
        co["coop"]["slug"]: co["shipping"]["amount"] for co in response.get_json()["coop_orders"]
    }
    methods = {
        co["coop"]["slug"]: co["shipping_method"] for co in response.get_json()["coop_orders"]
    }
    assert shipping == {"kornblume": 490, "farm": 0}
    assert methods == {"kornblume": "delivery", "farm": "pickup"}
    assert response.get_json()["total"]["amount"] == 450 + 490 + 600


# --- idempotency --------------------------------------------------------------------------


def test_the_same_key_twice_gives_one_order_with_the_same_id(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 2))
    first = checkout(client, buyer_auth, idempotency_key="k-1")
    fill_cart(buyer, (rye, 1))  # the buyer goes on shopping; a retry must not place this
    again = checkout(client, buyer_auth, idempotency_key="k-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["reference"] == first.get_json()["reference"]
    assert order_count() == 1
    assert stock(rye) == 3
    assert cart_items(buyer) == {rye.id: 1}


def test_the_key_may_come_in_the_idempotency_key_header(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    headers = {**buyer_auth, "Idempotency-Key": "header-key"}
    body = {"address": ADDRESS}
    first = client.post("/api/v1/checkout", headers=headers, json=body)
    again = client.post("/api/v1/checkout", headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.get(Order, first.get_json()["id"]).idempotency_key == "header-key"


def test_keys_are_per_buyer(client, buyer, buyer_auth, rye):
    other = make_user()
    fill_cart(buyer, (rye, 1))
    fill_cart(other, (rye, 1))
    mine = checkout(client, buyer_auth, idempotency_key="shared")
    theirs = checkout(client, personal_bearer(other), idempotency_key="shared")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.get_json()["id"] != theirs.get_json()["id"]


@pytest.mark.parametrize("key", [None, "", "   ", "k" * 65])
def test_without_a_usable_key_nothing_is_placed(client, buyer, buyer_auth, rye, key):
    fill_cart(buyer, (rye, 1))
    body = {"address": ADDRESS}
    if key is not None:
        body["idempotency_key"] = key
    response = client.post("/api/v1/checkout", headers=buyer_auth, json=body)
    assert response.status_code == 422
    assert "idempotency_key" in response.get_json()["errors"]
    assert order_count() == 0 and cart_items(buyer) == {rye.id: 1}


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "field"),
    [
        ({**ADDRESS, "country": "Germany"}, "address.country"),
        ({**ADDRESS, "city": "   "}, "address.city"),
        ({**ADDRESS, "name": "x" * 121}, "address.name"),
        ({k: v for k, v in ADDRESS.items() if k != "postcode"}, "address.postcode"),
        ({**ADDRESS, "line1": 7}, "address.line1"),
        ("Hauptstraße 1, Berlin", "address"),
    ],
)
def test_a_wrong_address_is_422_naming_the_field(client, buyer, buyer_auth, rye, address, field):
    fill_cart(buyer, (rye, 1))
    response = checkout(client, buyer_auth, address=address)
    assert response.status_code == 422
    body = response.get_json()
    assert body["code"] == "validation_failed" and field in body["errors"], body
    assert order_count() == 0 and cart_items(buyer) == {rye.id: 1}


@pytest.mark.parametrize(
    ("shipping", "field"),
    [
        ({"kornblume": "pickup"}, "shipping"),  # the bakery offers no pickup
        ({"nowhere": "delivery"}, "shipping.nowhere"),
        ({"kornblume": "drone"}, "shipping.kornblume.value"),
    ],
)
def test_a_wrong_shipping_choice_is_422(client, buyer, buyer_auth, rye, shipping, field):
    fill_cart(buyer, (rye, 1))
    response = checkout(client, buyer_auth, shipping=shipping)
    assert response.status_code == 422
    assert field in response.get_json()["errors"], response.get_json()
    assert order_count() == 0


def test_an_unknown_payment_method_is_422(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    response = checkout(client, buyer_auth, payment_method="bitcoin")
    assert response.status_code == 422
    assert "payment_method" in response.get_json()["errors"]
    assert order_count() == 0


def test_an_empty_cart_is_422(client, buyer, buyer_auth, rye):
    for _ in range(2):  # no cart at all, then an emptied one
        response = checkout(client, buyer_auth)
        assert response.status_code == 422
        assert response.get_json()["errors"] == {"cart": ["Your cart is empty."]}
        fill_cart(buyer)
    assert order_count() == 0


# --- changes and sold out -----------------------------------------------------------------


def test_a_changed_price_is_409_cart_changed_then_a_new_key_places_it(
    client, buyer, buyer_auth, rye
):
    fill_cart(buyer, (rye, 2))
    listing = db.session.get(Listing, rye.id)
    listing.price_amount = 520
    db.session.commit()

    refused = checkout(client, buyer_auth, idempotency_key="before")

    assert refused.status_code == 409
    body = refused.get_json()
    assert body["code"] == "cart_changed" and body["message"]
    assert body["changes"] == [{"listing_id": rye.id, "kind": "price", "before": 450, "now": 520}]
    assert order_count() == 0 and stock(rye) == 5
    # the cart now knows the new price: the buyer has seen it and sends again
    assert client.get("/api/v1/cart", headers=buyer_auth).get_json()["changes"] == []
    placed = checkout(client, buyer_auth, idempotency_key="after")
    assert placed.status_code == 201
    line = placed.get_json()["coop_orders"][0]["lines"][0]
    assert line["unit_price"] == {"amount": 520, "currency": "EUR"}
    assert placed.get_json()["total"]["amount"] == 1040


def test_less_stock_than_wanted_is_409_cart_changed_until_the_buyer_lowers_it(
    client, buyer, buyer_auth, rye
):
    fill_cart(buyer, (rye, 4))
    listing = db.session.get(Listing, rye.id)
    listing.stock = 2
    db.session.commit()

    for key in ("one", "two"):
        refused = checkout(client, buyer_auth, idempotency_key=key)
        assert refused.status_code == 409
        assert refused.get_json()["changes"] == [
            {"listing_id": rye.id, "kind": "quantity", "before": 4, "now": 2}
        ]
    line_id = client.get("/api/v1/cart", headers=buyer_auth).get_json()["items"][0]["id"]
    client.patch(f"/api/v1/cart/items/{line_id}", headers=buyer_auth, json={"quantity": 2})
    assert checkout(client, buyer_auth, idempotency_key="three").status_code == 201
    assert stock(rye) == 0


@contextmanager
def another_buyer_takes_the_last_units(listing_id: int) -> Iterator[None]:
    """Just before checkout reserves, someone else's order empties the listing's stock."""
    taken: list[int] = []

    def take(conn, cursor, statement, parameters, context, executemany):
        if not taken and statement.lstrip().upper().startswith("UPDATE LISTINGS"):
            taken.append(listing_id)
            cursor.execute(f"UPDATE listings SET stock = 0 WHERE id = {int(listing_id)}")  # noqa: S608

    event.listen(db.engine, "before_cursor_execute", take)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", take)
    assert taken, "checkout never reserved stock"


def test_sold_out_at_the_last_moment_is_409_and_keeps_the_cart(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 2))

    with another_buyer_takes_the_last_units(rye.id):
        response = checkout(client, buyer_auth)

    assert response.status_code == 409
    body = response.get_json()
    assert body["code"] == "sold_out" and body["titles"] == ["Rye"]
    assert "Rye" in body["message"]
    assert order_count() == 0
    assert cart_items(buyer) == {rye.id: 2}


# --- who may ----------------------------------------------------------------------------------


def test_checkout_needs_a_personal_token(client, buyer, rye, bakery_auth):
    fill_cart(buyer, (rye, 1))
    for headers in ({}, bakery_auth, {"Authorization": "Bearer cp_revoked"}):
        response = checkout(client, headers)
        assert response.status_code == 401
    assert order_count() == 0 and cart_items(buyer) == {rye.id: 1}
