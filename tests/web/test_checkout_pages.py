"""Checkout pages: address and delivery, a review to confirm, then one order per checkout."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, func, select

from marketplace.extensions import db
from marketplace.models import CartItem, CoopOrder, Listing, Order, ShippingMethod
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import fill_cart
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")

ADDRESS = {
    "name": "Ada Buyer",
    "line1": "Hauptstraße 1",
    "line2": "",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
    "payment_method": "bank_transfer",
}


class _FormFields(HTMLParser):
    """The inputs of the form posting to `action`, as the browser would send them."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.inside = values.get("action") == self.action
        elif tag == "input" and self.inside and values.get("name"):
            self.fields[values["name"]] = values.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def form_fields(page: str, action: str = "/checkout/place") -> dict[str, str]:
    parser = _FormFields(action)
    parser.feed(page)
    return parser.fields


def three_coop_cart(buyer):
    """A cart with offers of three co-ops; the roasters let buyers collect."""
    bakery = make_coop(name="Kornblume Bakery", shipping_flat_fee=490)
    roasters = make_coop(
        name="Fika Roasters", shipping_flat_fee=590, offers_pickup=True, pickup_address="Hof 3"
    )
    weavers = make_coop(name="Loom Weavers")
    loaf = make_listing(coop=bakery, title="Rye loaf", price_amount=450, stock=5)
    coffee = make_listing(coop=roasters, title="Ethiopia 250 g", price_amount=1290, vat_rate_bp=700)
    towel = make_listing(coop=weavers, title="Linen towel", price_amount=2400, vat_rate_bp=1900)
    fill_cart(buyer, (loaf, 2), (coffee, 1), (towel, 1))
    return loaf, coffee, towel


def review(client, **changes):
    response = client.post("/checkout/review", data={**ADDRESS, **changes})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def orders() -> list[Order]:
    db.session.expire_all()
    return list(db.session.scalars(select(Order)))


def cart_size() -> int:
    return db.session.scalar(select(func.count()).select_from(CartItem))


def logged_in_buyer(client):
    buyer = make_user(name="Ada Buyer")
    log_in(client, buyer)
    return buyer


def test_checking_out_needs_an_account_and_sends_guests_to_log_in_and_back(client):
    client.post("/cart/items", data={"listing_id": make_listing().id, "quantity": 1})
    for response in (
        client.get("/checkout"),
        client.post("/checkout/review", data=ADDRESS),
        client.post("/checkout/place", data=ADDRESS),
    ):
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=/checkout"
    page = client.get("/login?next=/checkout").get_data(as_text=True)
    assert "Log in or register to check out; your cart is kept." in page
    assert orders() == []


def test_the_checkout_form_asks_for_address_delivery_per_coop_and_payment(client):
    buyer = logged_in_buyer(client)
    three_coop_cart(buyer)
    response = client.get("/checkout")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Ada Buyer"' in page  # the account's name, to start with
    assert '<option value="DE">Germany</option>' in page
    assert page.count('value="delivery"') == 3 and page.count('value="pickup"') == 1
    assert "at Hof 3" in page and "€5.90" in page
    [method] = re.findall(r"<input[^>]*name=\"payment_method\"[^>]*>", page)
    assert "checked" in method and 'value="bank_transfer"' in method and "Bank transfer" in page


def test_an_empty_cart_has_nothing_to_check_out(client):
    logged_in_buyer(client)
    for response in (
        client.get("/checkout"),
        client.post("/checkout/review", data=ADDRESS),
        client.post("/checkout/place", data={}),
        client.post("/checkout/place", data={**ADDRESS, "idempotency_key": "k1"}),
    ):
        assert response.status_code == 302 and response.headers["Location"] == "/cart"
    assert "Your cart is empty." in client.get("/cart").get_data(as_text=True)


def test_an_invalid_address_is_refused_field_by_field_and_nothing_is_ordered(client):
    buyer = logged_in_buyer(client)
    three_coop_cart(buyer)
    bad = {**ADDRESS, "name": "  ", "postcode": "", "country": "Germany", "payment_method": "gold"}
    response = client.post("/checkout/review", data=bad)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert page.count("Required.") == 2
    assert "Give the two-letter country code, e.g. DE or SE." in page
    assert "Choose how you will pay." in page
    assert 'value="Hauptstraße 1"' in page  # what was right is kept
    # a tampered review form is refused the same way
    fields = form_fields(review(client))
    response = client.post("/checkout/place", data={**fields, "city": ""})
    assert response.status_code == 400 and "Required." in response.get_data(as_text=True)
    assert orders() == [] and cart_size() == 3


def test_the_review_shows_every_coop_totals_vat_address_and_payment(client):
    buyer = logged_in_buyer(client)
    three_coop_cart(buyer)
    page = review(client)
    for name in ("Kornblume Bakery", "Fika Roasters", "Loom Weavers"):
        assert name in page
    assert "2 × €4.50" in page and "€13.90" in page  # bakery: 9.00 + 4.90
    assert "€56.70" in page  # 9.00 + 12.90 + 24.00 + 4.90 + 5.90 + 0
    assert "Prices include VAT:" in page and "€3.83 at 19" in page
    assert "Hauptstraße 1" in page and "10115 Berlin" in page and "Germany" in page
    assert "Bank transfer" in page
    fields = form_fields(page)
    assert fields["country"] == "DE" and fields["payment_method"] == "bank_transfer"
    assert len(fields["idempotency_key"]) >= 16 and fields["confirmed"]
    # each review is a new confirmation with a new key
    assert form_fields(review(client))["idempotency_key"] != fields["idempotency_key"]


def test_placing_makes_one_order_with_one_coop_order_per_coop(client):
    buyer = logged_in_buyer(client)
    loaf, coffee, _towel = three_coop_cart(buyer)
    roasters = coffee.coop
    page = review(client, **{f"shipping-{roasters.id}": "pickup"})
    assert "You collect this part at Hof 3." in page
    response = client.post("/checkout/place", data=form_fields(page))
    assert response.status_code == 302
    [order] = orders()
    assert response.headers["Location"] == f"/orders/{order.reference}"
    assert order.buyer_id == buyer.id and order.total_amount == 9_00 + 12_90 + 24_00 + 4_90
    assert order.ship_city == "Berlin" and order.payment_method == "bank_transfer"
    by_coop = {co.coop.name: co for co in order.coop_orders}
    assert set(by_coop) == {"Kornblume Bakery", "Fika Roasters", "Loom Weavers"}
    assert by_coop["Fika Roasters"].shipping_method is ShippingMethod.PICKUP
    assert by_coop["Fika Roasters"].shipping_amount == 0
    assert [(ln.title, ln.quantity) for ln in by_coop["Kornblume Bakery"].lines] == [
        ("Rye loaf", 2)
    ]
    assert cart_size() == 0
    assert db.session.get(Listing, loaf.id).stock == 3


def test_placing_the_same_form_twice_makes_one_order(client):
    buyer = logged_in_buyer(client)
    three_coop_cart(buyer)
    fields = form_fields(review(client))
    first = client.post("/checkout/place", data=fields)
    second = client.post("/checkout/place", data=fields)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert len(orders()) == 1
    assert db.session.scalar(select(func.count()).select_from(CoopOrder)) == 3


def test_a_price_change_after_the_review_is_shown_and_nothing_is_placed(client):
    buyer = logged_in_buyer(client)
    loaf, _coffee, _towel = three_coop_cart(buyer)
    fields = form_fields(review(client))
    loaf.price_amount = 520
    db.session.commit()

    response = client.post("/checkout/place", data=fields)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Your order changed: please check it and confirm again" in page
    assert "<strong>Rye loaf</strong>: Price up: was €4.50, now €5.20." in page
    assert orders() == [] and cart_size() == 3
    again = form_fields(page)
    assert again["idempotency_key"] != fields["idempotency_key"]
    assert again["confirmed"] != fields["confirmed"]

    assert client.post("/checkout/place", data=again).status_code == 302
    [order] = orders()
    bakery = next(co for co in order.coop_orders if co.coop_id == loaf.coop_id)
    assert bakery.lines[0].unit_price == 520  # what the buyer confirmed the second time


def test_a_cart_edited_in_another_tab_after_the_review_is_confirmed_again(client):
    buyer = logged_in_buyer(client)
    loaf, coffee, _towel = three_coop_cart(buyer)
    fields = form_fields(review(client))
    ids = dict(db.session.execute(select(CartItem.listing_id, CartItem.id)).all())
    client.post(f"/cart/items/{ids[loaf.id]}", data={"quantity": 3})
    client.post(f"/cart/items/{ids[coffee.id]}/remove")
    page = client.post("/checkout/place", data=fields).get_data(as_text=True)
    assert "<strong>Rye loaf</strong>: Quantity changed from 2 to 3." in page
    assert "<strong>Ethiopia 250 g</strong>: Removed from your cart" in page
    assert orders() == []


def test_stock_gone_between_review_and_placing_sends_back_to_the_cart_intact(client):
    buyer = logged_in_buyer(client)
    loaf, _coffee, _towel = three_coop_cart(buyer)
    fields = form_fields(review(client))
    loaf.stock = 0
    db.session.commit()
    response = client.post("/checkout/place", data=fields)
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    page = client.get("/cart").get_data(as_text=True)
    assert "Sold out while you were checking out: “Rye loaf”. Your cart is unchanged." in page
    assert "Sold out: please remove it." in page
    assert orders() == [] and cart_size() == 3


def test_stock_taken_by_another_buyer_while_placing_sends_back_to_the_cart(client):
    buyer = logged_in_buyer(client)
    loaf, _coffee, _towel = three_coop_cart(buyer)
    fields = form_fields(review(client))

    def other_buyer_takes_the_last_loaves(conn, cursor, statement, *args) -> None:  # noqa: ANN001
        # Just after the order row is written, on the placing transaction's own connection:
        # as if another checkout had committed a moment earlier.
        if statement.lstrip().upper().startswith("INSERT INTO ORDERS"):
            cursor.connection.cursor().execute(
                "UPDATE listings SET stock = 1 WHERE title = 'Rye loaf'"
            )

    event.listen(db.engine, "before_cursor_execute", other_buyer_takes_the_last_loaves)
    try:
        response = client.post("/checkout/place", data=fields)
    finally:
        event.remove(db.engine, "before_cursor_execute", other_buyer_takes_the_last_loaves)
    assert response.status_code == 302 and response.headers["Location"] == "/cart"
    page = client.get("/cart").get_data(as_text=True)
    assert "Sold out while you were checking out: “Rye loaf”. Your cart is unchanged." in page
    assert orders() == [] and cart_size() == 3
    assert db.session.get(Listing, loaf.id).stock == 5  # the placement was rolled back whole


def test_a_price_change_since_the_cart_was_filled_is_shown_on_the_review(client):
    buyer = logged_in_buyer(client)
    loaf, _coffee, _towel = three_coop_cart(buyer)
    loaf.price_amount = 400
    db.session.commit()
    page = review(client)
    assert "<strong>Rye loaf</strong>: Price down: was €4.50, now €4.00." in page
    assert "2 × €4.00" in page
    client.post("/checkout/place", data=form_fields(page))
    [order] = orders()
    assert order.total_amount == 8_00 + 12_90 + 24_00 + 4_90 + 5_90


def test_changing_the_address_from_the_review_keeps_what_was_filled_in(client):
    buyer = logged_in_buyer(client)
    _loaf, coffee, _towel = three_coop_cart(buyer)
    fields = form_fields(review(client, **{f"shipping-{coffee.coop_id}": "pickup"}))
    response = client.post("/checkout", data=fields)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'value="Hauptstraße 1"' in page and '<option selected value="DE">' in page
    [pickup] = re.findall(
        rf'<input[^>]*name="shipping-{coffee.coop_id}" value="pickup"[^>]*>', page
    )
    assert "checked" in pickup
