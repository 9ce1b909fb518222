"""Placing an order: one co-op order per co-op, snapshots, fees, idempotency, changes, stock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.domain.cart import Shipping
from marketplace.extensions import db
from marketplace.models import (
    CoopOrderStatus,
    FeePolicy,
    Listing,
    ListingKind,
    Order,
    OrderLine,
    PaymentStatus,
)
from marketplace.services import carts, checkout
from tests.factories import make_coop, make_listing, make_user
from tests.order_factories import ADDRESS, check_out, fill_cart, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")


@pytest.fixture
def buyer(app):
    return make_user(email="ada@example.org")


def test_one_order_holds_one_coop_order_per_coop_with_snapshot_lines(buyer):
    bakery = make_coop(name="Bakery", shipping_flat_fee=490, shipping_free_above=5000)
    roastery = make_coop(name="Roastery", shipping_flat_fee=390, offers_pickup=True)
    bread = make_listing(coop=bakery, title="Rye", price_amount=450, vat_rate_bp=700, stock=5)
    cake = make_listing(coop=bakery, title="Cake", price_amount=1200, vat_rate_bp=700, stock=5)
    coffee = make_listing(coop=roastery, title="Coffee", price_amount=899, vat_rate_bp=1900)

    order = place_order(
        buyer, (bread, 2), (cake, 1), (coffee, 3), shipping={roastery.id: Shipping.PICKUP}
    )

    assert [co.coop_id for co in order.coop_orders] == [bakery.id, roastery.id]
    baked, roasted = order.coop_orders
    assert (baked.subtotal_amount, baked.shipping_amount) == (2100, 490)
    assert (roasted.subtotal_amount, roasted.shipping_amount) == (2697, 0)
    assert roasted.shipping_method.value == "pickup"
    assert order.total_amount == 2100 + 490 + 2697
    assert order.currency == "EUR" and order.status == "open"
    assert order.payment_status is PaymentStatus.PENDING
    assert all(co.status is CoopOrderStatus.PLACED for co in order.coop_orders)
    line = baked.lines[0]
    assert (line.title, line.unit_price, line.quantity, line.vat_rate_bp) == ("Rye", 450, 2, 700)
    # stock reserved, the cart emptied
    db.session.expire_all()
    assert db.session.get(Listing, bread.id).stock == 3
    assert db.session.get(Listing, cake.id).stock == 4
    cart, _ = carts.current_cart(buyer, None, create=False)
    assert cart is not None and cart.items == []


def test_later_edits_of_the_listing_never_change_the_order(buyer):
    bread = make_listing(title="Rye", price_amount=450)
    order = place_order(buyer, (bread, 1))
    listing = db.session.get(Listing, bread.id)
    listing.title, listing.price_amount = "Rye, new recipe", 990
    db.session.commit()
    db.session.expire_all()
    line = db.session.get(Order, order.id).coop_orders[0].lines[0]
    assert (line.title, line.unit_price) == ("Rye", 450)


def test_the_federation_fee_uses_the_policy_in_force_and_the_fair_rate(buyer):
    db.session.add(
        FeePolicy(
            basis_points=600, fair_basis_points=300, adopted_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
    )
    db.session.commit()
    coop = make_coop(shipping_flat_fee=500)
    bread = make_listing(coop=coop, price_amount=1000)
    order = place_order(buyer, (bread, 3))
    co = order.coop_orders[0]
    assert co.lines[0].fee_rate_bp == 600
    assert co.fee_amount == 180  # 6 % of 30.00; shipping is not charged
    assert co.payout_amount == 3000 + 500 - 180


def test_no_policy_means_no_fee(buyer):
    order = place_order(buyer, (make_listing(price_amount=1000), 1))
    assert order.coop_orders[0].fee_amount == 0
    assert order.coop_orders[0].payout_amount == order.total_amount


def test_placing_twice_with_one_key_makes_one_order(buyer):
    bread = make_listing(stock=5)
    first = place_order(buyer, (bread, 2), idempotency_key="same")
    fill_cart(buyer, (bread, 1))
    again = check_out(
        buyer, carts.current_cart(buyer, None, create=False)[0], idempotency_key="same"
    )
    assert again.id == first.id
    assert db.session.query(Order).count() == 1
    db.session.expire_all()
    assert db.session.get(Listing, bread.id).stock == 3


def test_a_price_change_since_the_review_is_shown_and_nothing_is_placed(buyer):
    bread = make_listing(price_amount=450, stock=5)
    cart = fill_cart(buyer, (bread, 2))
    confirmed = checkout.snapshot(carts.summarize(cart))
    bread.price_amount = 500
    db.session.commit()
    with pytest.raises(checkout.CartChanged) as raised:
        check_out(buyer, cart, idempotency_key="k1", confirmed=confirmed)
    [change] = raised.value.changes
    assert (change.listing_id, change.kind, change.before, change.now) == (
        bread.id,
        "price",
        450,
        500,
    )
    assert db.session.query(Order).count() == 0
    # confirming the new price places the order at the price confirmed
    confirmed = checkout.snapshot(carts.summarize(cart))
    order = check_out(buyer, cart, idempotency_key="k2", confirmed=confirmed)
    assert order.coop_orders[0].lines[0].unit_price == 500


def test_without_a_review_snapshot_the_price_seen_in_the_cart_is_compared(buyer):
    bread = make_listing(price_amount=450)
    cart = fill_cart(buyer, (bread, 1))
    bread.price_amount = 400
    db.session.commit()
    with pytest.raises(checkout.CartChanged):
        check_out(buyer, cart, idempotency_key="k1")
    # the buyer has now seen the new price: the retry goes through
    order = check_out(buyer, cart, idempotency_key="k2")
    assert order.total_amount == 400


def test_stock_gone_since_the_review_is_a_change_and_the_cart_stays(buyer):
    bread = make_listing(stock=5)
    cart = fill_cart(buyer, (bread, 3))
    confirmed = checkout.snapshot(carts.summarize(cart))
    bread.stock = 2
    db.session.commit()
    with pytest.raises(checkout.CartChanged) as raised:
        check_out(buyer, cart, idempotency_key="k", confirmed=confirmed)
    assert [(c.kind, c.before, c.now) for c in raised.value.changes] == [("quantity", 3, 2)]
    assert [item.quantity for item in cart.items] == [3]


def test_a_cart_edited_in_another_tab_is_a_change(buyer):
    bread, cake = make_listing(stock=5), make_listing(stock=5)
    cart = fill_cart(buyer, (bread, 1))
    confirmed = checkout.snapshot(carts.summarize(cart))
    carts.add_item(cart, cake.id, 1)
    with pytest.raises(checkout.CartChanged) as raised:
        check_out(buyer, cart, idempotency_key="k", confirmed=confirmed)
    assert [c.kind for c in raised.value.changes] == ["added"]


def test_losing_the_race_for_stock_raises_sold_out_and_keeps_the_cart(buyer):
    bread = make_listing(title="Rye", stock=2)
    cake = make_listing(title="Cake", stock=2)
    cart = fill_cart(buyer, (bread, 1), (cake, 2))
    summary = carts.summarize(cart)
    # another buyer takes a cake between the checks and the reservation
    db.session.execute(
        Listing.__table__.update().where(Listing.__table__.c.id == cake.id).values(stock=1)
    )
    order = checkout._new_order(
        buyer, "k", ADDRESS, summary, "bank_transfer", datetime.now(UTC) + timedelta(days=1)
    )
    db.session.add(order)
    db.session.flush()
    with pytest.raises(checkout.SoldOut) as raised:
        checkout._reserve(order)
    db.session.rollback()
    assert raised.value.titles == ["Cake"]
    assert db.session.query(Order).count() == 0
    db.session.expire_all()
    assert db.session.get(Listing, bread.id).stock == 2  # nothing taken
    assert sorted(item.quantity for item in cart.items) == [1, 2]


def test_services_with_capacity_are_reserved_and_on_request_ones_are_not(buyer):
    course = make_listing(kind=ListingKind.SERVICE, stock=None, capacity=3)
    repair = make_listing(kind=ListingKind.SERVICE, stock=None, capacity=None)
    order = place_order(buyer, (course, 2), (repair, 5))
    db.session.expire_all()
    assert db.session.get(Listing, course.id).capacity == 1
    assert db.session.get(Listing, repair.id).capacity is None
    reserved = {ln.listing_id: ln.reserved for co in order.coop_orders for ln in co.lines}
    assert reserved == {course.id: 2, repair.id: 0}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Required."),
        ("country", "Germany", "Give the two-letter country code, e.g. DE or SE."),
        ("postcode", "1" * 21, "At most 20 characters."),
        ("city", 7, "Must be text."),
    ],
)
def test_a_bad_address_names_the_field(app, field, value, message):
    data = {
        "name": "Ada",
        "line1": "Street 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "de",
    }
    data[field] = value
    with pytest.raises(checkout.CheckoutInvalid) as raised:
        checkout.check_address(data)
    assert raised.value.errors == {field: message}


def test_a_good_address_is_tidied(app):
    address = checkout.check_address(
        {
            "name": " Ada  Buyer ",
            "line1": "Street 1",
            "postcode": "10115",
            "city": "Berlin",
            "country": "se",
        }
    )
    assert (address.name, address.country, address.line2) == ("Ada Buyer", "SE", "")


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"payment_method": "cash"}, "payment_method"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "x" * 65}, "idempotency_key"),
    ],
)
def test_bad_checkout_requests_are_refused_without_an_order(buyer, kw, field):
    with pytest.raises(checkout.CheckoutInvalid) as raised:
        place_order(buyer, (make_listing(), 1), **kw)
    assert field in raised.value.errors
    assert db.session.query(Order).count() == 0 and db.session.query(OrderLine).count() == 0


def test_an_empty_cart_cannot_be_checked_out(buyer):
    cart, _ = carts.current_cart(buyer, None, create=True)
    db.session.commit()
    with pytest.raises(checkout.CheckoutInvalid) as raised:
        check_out(buyer, cart, idempotency_key="k")
    assert "cart" in raised.value.errors


def test_pickup_where_it_is_not_offered_is_refused(buyer):
    coop = make_coop(offers_pickup=False)
    with pytest.raises(checkout.CheckoutInvalid) as raised:
        place_order(buyer, (make_listing(coop=coop), 1), shipping={coop.id: Shipping.PICKUP})
    assert "shipping" in raised.value.errors


def test_an_unpaid_order_is_due_after_the_bank_transfer_hold(app, buyer):
    app.config["BANK_TRANSFER_HOLD_HOURS"] = 48
    before = datetime.now(UTC)
    order = place_order(buyer, (make_listing(), 1))
    assert timedelta(hours=47) < order.payment_due_at - before < timedelta(hours=49)
