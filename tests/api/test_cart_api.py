"""The buyer's cart through the API: read, add, change, remove, with a personal token."""

from __future__ import annotations

import pytest

from marketplace.extensions import db
from marketplace.models import CartItem, Listing, ListingKind, ListingStatus
from marketplace.services import carts
from tests.api.conftest import cart_items, personal_bearer
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import fill_cart

pytestmark = pytest.mark.usefixtures("no_search_sync")

# --- reading ------------------------------------------------------------------------------


def test_an_empty_cart_reads_as_empty_lists_and_no_total(client, buyer_auth):
    response = client.get("/api/v1/cart", headers=buyer_auth)
    assert response.status_code == 200
    assert response.get_json() == {
        "items": [],
        "coop_groups": [],
        "total": None,
        "changes": [],
        "problems": [],
    }


def test_the_cart_groups_lines_per_coop_with_each_coops_shipping(client, buyer, buyer_auth):
    bakery = make_coop(name="Bakery", slug="bakery", shipping_flat_fee=490)
    roastery = make_coop(
        name="Roastery", slug="roastery", shipping_flat_fee=390, shipping_free_above=2000
    )
    rye = make_listing(coop=bakery, title="Rye", price_amount=450, stock=5)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=1100, stock=8)
    fill_cart(buyer, (rye, 2), (coffee, 2))

    body = client.get("/api/v1/cart", headers=buyer_auth).get_json()

    rye_line, coffee_line = body["items"]
    assert rye_line == {
        "id": rye_line["id"],
        "listing_id": rye.id,
        "title": "Rye",
        "coop": {"slug": "bakery", "name": "Bakery"},
        "quantity": 2,
        "unit_price": {"amount": 450, "currency": "EUR"},
        "total": {"amount": 900, "currency": "EUR"},
        "available": 5,
        "problem": None,
    }
    assert coffee_line["listing_id"] == coffee.id and coffee_line["available"] == 8
    assert body["coop_groups"] == [
        {
            "coop": {"slug": "bakery", "name": "Bakery"},
            "subtotal": {"amount": 900, "currency": "EUR"},
            "shipping": {"amount": 490, "currency": "EUR"},
            "total": {"amount": 1390, "currency": "EUR"},
            "offers_pickup": False,
        },
        {
            "coop": {"slug": "roastery", "name": "Roastery"},
            "subtotal": {"amount": 2200, "currency": "EUR"},
            "shipping": {"amount": 0, "currency": "EUR"},  # free from 20.00
            "total": {"amount": 2200, "currency": "EUR"},
            "offers_pickup": False,
        },
    ]
    assert body["total"] == {"amount": 3590, "currency": "EUR"}
    assert body["changes"] == [] and body["problems"] == []


def test_the_cart_shows_price_changes_and_line_problems(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 4))
    listing = db.session.get(Listing, rye.id)
    listing.price_amount, listing.stock = 500, 3
    db.session.commit()

    body = client.get("/api/v1/cart", headers=buyer_auth).get_json()

    assert body["items"][0]["unit_price"] == {"amount": 500, "currency": "EUR"}
    assert body["items"][0]["available"] == 3
    assert body["items"][0]["problem"] == "Only 3 left: please lower the quantity."
    assert body["changes"] == [
        {"listing_id": rye.id, "kind": "price", "before": 450, "now": 500},
        {"listing_id": rye.id, "kind": "quantity", "before": 4, "now": 3},
    ]


def test_a_service_on_request_has_no_limit(client, buyer, buyer_auth, bakery):
    course = make_listing(coop=bakery, kind=ListingKind.SERVICE, capacity=None, stock=None)
    fill_cart(buyer, (course, 1))
    body = client.get("/api/v1/cart", headers=buyer_auth).get_json()
    assert body["items"][0]["available"] is None


def test_a_buyer_reads_only_their_own_cart(client, buyer, rye):
    fill_cart(buyer, (rye, 2))
    other = personal_bearer(make_user())
    assert client.get("/api/v1/cart", headers=other).get_json()["items"] == []


# --- adding -------------------------------------------------------------------------------


def test_adding_a_listing_answers_the_new_line(client, buyer, buyer_auth, rye):
    response = client.post(
        "/api/v1/cart/items", headers=buyer_auth, json={"listing_id": rye.id, "quantity": 2}
    )
    assert response.status_code == 201
    line = response.get_json()
    assert line["listing_id"] == rye.id and line["quantity"] == 2
    assert line["total"] == {"amount": 900, "currency": "EUR"}
    assert line["coop"] == {"slug": "kornblume", "name": "Kornblume Bakery"}
    assert db.session.get(CartItem, line["id"]) is not None
    assert cart_items(buyer) == {rye.id: 2}


def test_adding_again_adds_to_the_line(client, buyer, buyer_auth, rye):
    first = client.post(
        "/api/v1/cart/items", headers=buyer_auth, json={"listing_id": rye.id, "quantity": 2}
    )
    again = client.post(
        "/api/v1/cart/items", headers=buyer_auth, json={"listing_id": rye.id, "quantity": 1}
    )
    assert again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["quantity"] == 3
    assert cart_items(buyer) == {rye.id: 3}


def test_more_than_the_stock_is_409_cart_problem_and_changes_nothing(
    client, buyer, buyer_auth, rye
):
    fill_cart(buyer, (rye, 4))
    response = client.post(
        "/api/v1/cart/items", headers=buyer_auth, json={"listing_id": rye.id, "quantity": 2}
    )
    assert response.status_code == 409
    assert response.get_json() == {
        "code": "cart_problem",
        "message": "Only 5 of “Rye” available.",
    }
    assert cart_items(buyer) == {rye.id: 4}


def test_another_currency_is_409_cart_problem(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    kronor = make_listing(coop=make_coop(currency="SEK"), currency="SEK", price_amount=5000)
    response = client.post(
        "/api/v1/cart/items", headers=buyer_auth, json={"listing_id": kronor.id, "quantity": 1}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "cart_problem"
    assert "SEK" in response.get_json()["message"]
    assert cart_items(buyer) == {rye.id: 1}


@pytest.mark.parametrize("status", [ListingStatus.DRAFT, ListingStatus.PAUSED])
def test_an_unknown_or_unpublished_listing_is_404(client, buyer, buyer_auth, bakery, status):
    hidden = make_listing(coop=bakery, status=status)
    for listing_id in (hidden.id, hidden.id + 1000):
        response = client.post(
            "/api/v1/cart/items",
            headers=buyer_auth,
            json={"listing_id": listing_id, "quantity": 1},
        )
        assert response.status_code == 404
        assert response.get_json()["code"] == "not_found"
    assert cart_items(buyer) == {}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"listing_id": 1, "quantity": 0}, "quantity"),
        ({"listing_id": 1, "quantity": 1000}, "quantity"),
        ({"listing_id": 1, "quantity": "2"}, "quantity"),
        ({"listing_id": 1, "quantity": 1.5}, "quantity"),
        ({"listing_id": 1}, "quantity"),
        ({"quantity": 1}, "listing_id"),
        ({"listing_id": 2**40, "quantity": 1}, "listing_id"),
        ({"listing_id": 1, "quantity": 1, "colour": "red"}, "colour"),
    ],
)
def test_a_bad_line_is_422_naming_the_field(client, buyer, buyer_auth, rye, body, field):
    response = client.post("/api/v1/cart/items", headers=buyer_auth, json=body)
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"
    assert field in response.get_json()["errors"]
    assert cart_items(buyer) == {}


# --- changing and removing ----------------------------------------------------------------


def item_id(user, listing) -> int:
    cart, _token = carts.current_cart(user, None, create=False)
    return next(item.id for item in cart.items if item.listing_id == listing.id)


def test_patch_sets_the_quantity(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    line_id = item_id(buyer, rye)
    response = client.patch(
        f"/api/v1/cart/items/{line_id}", headers=buyer_auth, json={"quantity": 4}
    )
    assert response.status_code == 200
    assert response.get_json()["id"] == line_id and response.get_json()["quantity"] == 4
    assert response.get_json()["total"] == {"amount": 1800, "currency": "EUR"}
    assert cart_items(buyer) == {rye.id: 4}


def test_patch_to_zero_removes_the_line(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    response = client.patch(
        f"/api/v1/cart/items/{item_id(buyer, rye)}", headers=buyer_auth, json={"quantity": 0}
    )
    assert response.status_code == 204 and response.get_data() == b""
    assert cart_items(buyer) == {}


def test_patch_beyond_the_stock_is_409_and_keeps_the_quantity(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    response = client.patch(
        f"/api/v1/cart/items/{item_id(buyer, rye)}", headers=buyer_auth, json={"quantity": 6}
    )
    assert response.status_code == 409
    assert response.get_json()["code"] == "cart_problem"
    assert cart_items(buyer) == {rye.id: 1}


@pytest.mark.parametrize("quantity", [-1, 1000, "3", None])
def test_patch_with_a_bad_quantity_is_422(client, buyer, buyer_auth, rye, quantity):
    fill_cart(buyer, (rye, 1))
    response = client.patch(
        f"/api/v1/cart/items/{item_id(buyer, rye)}",
        headers=buyer_auth,
        json={"quantity": quantity},
    )
    assert response.status_code == 422
    assert "quantity" in response.get_json()["errors"]
    assert cart_items(buyer) == {rye.id: 1}


def test_delete_removes_the_line(client, buyer, buyer_auth, rye, bakery):
    cake = make_listing(coop=bakery, stock=3)
    fill_cart(buyer, (rye, 1), (cake, 2))
    response = client.delete(f"/api/v1/cart/items/{item_id(buyer, rye)}", headers=buyer_auth)
    assert response.status_code == 204
    assert cart_items(buyer) == {cake.id: 2}


def test_another_buyers_line_is_404_and_stays(client, buyer, rye):
    fill_cart(buyer, (rye, 2))
    line_id = item_id(buyer, rye)
    stranger = make_user()
    fill_cart(stranger, (make_listing(), 1))  # the stranger has a cart of their own
    for headers in (personal_bearer(stranger), personal_bearer(make_user())):
        patched = client.patch(
            f"/api/v1/cart/items/{line_id}", headers=headers, json={"quantity": 1}
        )
        deleted = client.delete(f"/api/v1/cart/items/{line_id}", headers=headers)
        assert patched.status_code == deleted.status_code == 404
        assert patched.get_json()["code"] == deleted.get_json()["code"] == "not_found"
    assert cart_items(buyer) == {rye.id: 2}


def test_an_unknown_line_is_404(client, buyer, buyer_auth, rye):
    fill_cart(buyer, (rye, 1))
    line_id = item_id(buyer, rye)
    assert (
        client.patch(
            f"/api/v1/cart/items/{line_id + 1}", headers=buyer_auth, json={"quantity": 1}
        ).status_code
        == 404
    )
    assert client.delete(f"/api/v1/cart/items/{line_id + 1}", headers=buyer_auth).status_code == 404


# --- who may --------------------------------------------------------------------------------


CART_CALLS = [
    ("get", "/api/v1/cart", None),
    ("post", "/api/v1/cart/items", {"listing_id": 1, "quantity": 1}),
    ("patch", "/api/v1/cart/items/1", {"quantity": 1}),
    ("delete", "/api/v1/cart/items/1", None),
]


@pytest.mark.parametrize(("method", "path", "body"), CART_CALLS)
def test_the_cart_needs_a_personal_token(client, bakery_auth, method, path, body):
    for headers, code in (
        ({}, "unauthorized"),
        ({"Authorization": "Bearer cp_not-a-token"}, "invalid_token"),
        (bakery_auth, "invalid_token"),  # a co-op's token is not a person's
    ):
        response = getattr(client, method)(path, headers=headers, json=body)
        assert response.status_code == 401, (headers, response.get_json())
        assert response.get_json()["code"] == code
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
