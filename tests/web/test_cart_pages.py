"""The cart pages: a guest's cart kept by cookie, merged at login, lines per co-op."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Cart, CartItem, ListingKind, ListingStatus
from marketplace.services.carts import CART_COOKIE
from tests.factories import PASSWORD, make_coop, make_listing, make_user
from tests.order_factories import fill_cart
from tests.web.helpers import log_in

pytestmark = pytest.mark.usefixtures("no_search_sync")


def add(client, listing, quantity=1, **extra):
    data = {"listing_id": listing.id, "quantity": quantity, **extra}
    return client.post("/cart/items", data=data)


def cart_cookie(response) -> str | None:
    """The Set-Cookie header for the cart cookie, if the response sets one."""
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{CART_COOKIE}=")]
    return found[0] if found else None


def cart_lines(user=None) -> dict[str, int]:
    """Title -> quantity of the account's cart (or of every guest cart), read afresh."""
    db.session.expire_all()
    query = select(CartItem).join(Cart)
    query = query.where(Cart.user_id == user.id) if user else query.where(Cart.user_id.is_(None))
    return {item.listing.title: item.quantity for item in db.session.scalars(query)}


def test_a_guest_fills_a_cart_and_the_cookie_keeps_it_across_requests(client):
    loaf = make_listing(title="Rye loaf", price_amount=450)
    response = add(client, loaf, 2, next=f"/listings/{loaf.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/listings/{loaf.id}"
    cookie = cart_cookie(response)
    assert cookie is not None
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie

    page = client.get("/cart").get_data(as_text=True)
    assert "Rye loaf" in page and "€9.00" in page
    assert 'class="cart-count" aria-hidden="true">2<' in page
    # the next page load finds the same cart: no new cookie, no second cart
    assert cart_cookie(client.get("/")) is None
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 1


def test_the_cart_cookie_is_secure_when_the_session_cookie_is(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = cart_cookie(add(client, make_listing()))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_looking_at_the_cart_creates_no_cart_and_no_cookie(client):
    response = client.get("/cart")
    assert response.status_code == 200
    assert "Your cart is empty" in response.get_data(as_text=True)
    assert cart_cookie(response) is None
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 0


def test_a_second_guest_does_not_see_the_first_guests_cart(app, client):
    add(client, make_listing(title="Honey jar"))
    other = app.test_client()
    page = other.get("/cart").get_data(as_text=True)
    assert "Honey jar" not in page and "Your cart is empty" in page
    other.set_cookie(CART_COOKIE, "guessed-token")
    assert "Honey jar" not in other.get("/cart").get_data(as_text=True)


def test_logging_in_merges_the_guest_cart_adding_up_quantities_held_to_the_stock(client):
    buyer = make_user()
    loaf = make_listing(title="Rye loaf", stock=4)
    honey = make_listing(title="Honey jar", stock=10)
    fill_cart(buyer, (loaf, 2))
    add(client, loaf, 3)
    add(client, honey, 1)

    response = log_in(client, buyer)
    assert cart_cookie(response).startswith(f"{CART_COOKIE}=;")  # the guest cookie is dropped
    assert cart_lines(buyer) == {"Rye loaf": 4, "Honey jar": 1}
    assert cart_lines() == {}
    assert "Rye loaf" in client.get("/cart").get_data(as_text=True)


def test_registering_keeps_what_the_guest_put_in_the_cart(client):
    add(client, make_listing(title="Oat biscuits"))
    response = client.post(
        "/register",
        data={
            "email": "new@example.org",
            "name": "New Buyer",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert "Oat biscuits" in client.get("/cart").get_data(as_text=True)
    assert cart_lines() == {}


def test_more_than_the_stock_is_refused_with_a_message(client):
    loaf = make_listing(title="Spelt loaf", stock=3)
    response = add(client, loaf, 5, next=f"/listings/{loaf.id}")
    assert response.headers["Location"] == f"/listings/{loaf.id}"
    page = client.get(f"/listings/{loaf.id}").get_data(as_text=True)
    assert "Only 3 of “Spelt loaf” available." in page
    assert cart_lines() == {}

    add(client, loaf, 2)
    item_id = db.session.scalar(select(CartItem.id))
    response = client.post(f"/cart/items/{item_id}", data={"quantity": 4})
    assert response.status_code == 400
    assert "Only 3 of “Spelt loaf” available." in response.get_data(as_text=True)
    assert cart_lines() == {"Spelt loaf": 2}


def test_a_quantity_that_is_no_number_gets_a_clear_message(client):
    loaf = make_listing(title="Spelt loaf")
    add(client, loaf, "two")
    assert "Enter a quantity from 1 to 999." in client.get("/cart").get_data(as_text=True)
    add(client, loaf, 1)
    item_id = db.session.scalar(select(CartItem.id))
    for bad in ("-1", "1.5", "1000", ""):
        response = client.post(f"/cart/items/{item_id}", data={"quantity": bad})
        assert response.status_code == 400
        assert "Enter a quantity from 1 to 999, or 0 to remove." in response.get_data(as_text=True)
    assert cart_lines() == {"Spelt loaf": 1}


def test_an_unknown_or_unavailable_offer_is_a_message_not_an_error(client):
    draft = make_listing(title="Not yet", status=ListingStatus.DRAFT)
    for listing_id in (draft.id, 999999, 2**40, "x"):
        response = client.post("/cart/items", data={"listing_id": listing_id, "quantity": 1})
        assert response.status_code == 302
        assert not any(
            c.startswith(f"{CART_COOKIE}=") for c in response.headers.getlist("Set-Cookie")
        )
        assert "This offer is not available." in client.get("/cart").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 0


def test_updating_and_removing_lines(client):
    loaf = make_listing(title="Rye loaf")
    honey = make_listing(title="Honey jar")
    add(client, loaf)
    add(client, honey)
    ids = dict(db.session.execute(select(CartItem.listing_id, CartItem.id)).all())
    assert client.post(f"/cart/items/{ids[loaf.id]}", data={"quantity": 3}).status_code == 302
    assert cart_lines() == {"Rye loaf": 3, "Honey jar": 1}
    assert client.post(f"/cart/items/{ids[honey.id]}/remove").status_code == 302
    assert "Removed from your cart." in client.get("/cart").get_data(as_text=True)
    assert cart_lines() == {"Rye loaf": 3}
    # a second click on the old page's button is no error
    client.post(f"/cart/items/{ids[honey.id]}/remove")
    assert "That offer is no longer in your cart." in client.get("/cart").get_data(as_text=True)
    # 0 removes the line too
    client.post(f"/cart/items/{ids[loaf.id]}", data={"quantity": 0})
    assert cart_lines() == {}


def test_someone_elses_line_cannot_be_changed(app, client):
    add(client, make_listing(title="Rye loaf"))
    item_id = db.session.scalar(select(CartItem.id))
    other = app.test_client()
    add(other, make_listing(title="Honey jar"))
    other.post(f"/cart/items/{item_id}", data={"quantity": 5})
    other.post(f"/cart/items/{item_id}/remove")
    assert cart_lines()["Rye loaf"] == 1


def test_the_cart_groups_lines_per_coop_with_shipping_and_totals(client):
    bakery = make_coop(name="Kornblume Bakery", shipping_flat_fee=490, shipping_free_above=3000)
    roasters = make_coop(
        name="Fika Roasters",
        shipping_flat_fee=590,
        offers_pickup=True,
        pickup_address="Södergatan 3, Malmö",
    )
    weavers = make_coop(name="Loom Weavers", shipping_flat_fee=0)
    add(client, make_listing(coop=bakery, title="Rye loaf", price_amount=450), 2)
    add(client, make_listing(coop=roasters, title="Ethiopia 250 g", price_amount=1290))
    add(client, make_listing(coop=weavers, title="Linen towel", price_amount=2400))
    page = client.get("/cart").get_data(as_text=True)

    for coop in (bakery, roasters, weavers):
        assert f'href="/coops/{coop.slug}">{coop.name}</a>' in page
    groups = page[page.index('class="cart-groups"') :]
    assert groups.index("Kornblume Bakery") < groups.index("Rye loaf") < groups.index("Fika")
    assert "€4.50 each" in page and "€9.00" in page  # unit price and line total
    assert "€13.90" in page  # bakery: 9.00 + 4.90 delivery
    assert "Free delivery from €30.00: add €21.00 more from Kornblume Bakery." in page
    assert "Pickup offered" in page
    assert "€18.80" in page  # roasters: 12.90 + 5.90
    assert "Free" in page  # weavers deliver for free
    assert "€56.70" in page  # 9.00 + 12.90 + 24.00 + 4.90 + 5.90
    assert 'class="cart-count" aria-hidden="true">4<' in page


def test_a_guest_is_asked_to_log_in_to_check_out_and_told_the_cart_is_kept(client):
    add(client, make_listing())
    page = client.get("/cart").get_data(as_text=True)
    assert 'href="/login?next=/checkout"' in page
    assert "Log in or register to check out; your cart is kept." in page


def test_a_price_change_since_adding_is_pointed_out(client):
    loaf = make_listing(title="Rye loaf", price_amount=450)
    add(client, loaf)
    loaf.price_amount = 520
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Price up since you added it: was €4.50, now €5.20." in page


def test_lines_that_cannot_be_bought_stop_the_checkout_button(client):
    loaf = make_listing(title="Rye loaf", stock=5)
    add(client, loaf, 4)
    loaf.stock = 2
    db.session.commit()
    page = client.get("/cart").get_data(as_text=True)
    assert "Only 2 left: please lower the quantity." in page
    assert 'class="checkout-button" disabled' in page


def test_one_cart_holds_one_currency(client):
    add(client, make_listing(title="Rye loaf", currency="EUR"))
    response = add(client, make_listing(title="Kanelbulle", currency="SEK"))
    assert response.status_code == 302
    page = client.get("/cart").get_data(as_text=True)
    assert "One order is paid in one currency" in page
    assert cart_lines() == {"Rye loaf": 1}


def test_the_listing_page_offers_add_to_cart_only_while_available(client):
    loaf = make_listing(title="Rye loaf", stock=3)
    page = client.get(f"/listings/{loaf.id}").get_data(as_text=True)
    assert 'action="/cart/items"' in page and 'max="3"' in page and "Add to cart" in page
    sold_out = make_listing(title="Last loaf", stock=0)
    page = client.get(f"/listings/{sold_out.id}").get_data(as_text=True)
    assert 'action="/cart/items"' not in page and '<button type="button" disabled>Sold out' in page
    booked = make_listing(title="Workshop", kind=ListingKind.SERVICE, capacity=0)
    assert "disabled>Fully booked" in client.get(f"/listings/{booked.id}").get_data(as_text=True)
