"""Co-ops fulfil their own co-op orders; cancelling and expiring give the stock back once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    CoopOrderStatus,
    Listing,
    OutgoingMail,
    PaymentStatus,
)
from marketplace.models.base import utcnow
from marketplace.services import coop_orders, ratings
from marketplace.services.coop_orders import (
    OrderTransitionRefused,
    PaymentPending,
    ReasonRequired,
)
from tests.factories import make_coop, make_listing, make_member, make_user
from tests.order_factories import mark_paid, place_order

pytestmark = pytest.mark.usefixtures("no_search_sync")


@pytest.fixture
def buyer(app):
    return make_user(email="ada@example.org")


def _stock(listing: Listing) -> int | None:
    db.session.expire_all()
    return db.session.get(Listing, listing.id).stock


def _subjects(address: str) -> list[str]:
    rows = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id))
    return [row.subject for row in rows if address in row.recipients]


def test_a_co_op_order_goes_from_placed_to_delivered(buyer):
    member = make_user(email="baker@example.org")
    loaf = make_listing(stock=5)
    make_member(member, loaf.coop)
    order = mark_paid(place_order(buyer, (loaf, 2)))
    co = order.coop_orders[0]
    coop_orders.change_status(co, "accept", actor=member)
    coop_orders.change_status(co, "ship", actor=member, tracking_reference=" DHL 123 ")
    coop_orders.change_status(co, "deliver", actor=member)
    db.session.expire_all()
    assert co.status is CoopOrderStatus.DELIVERED and co.tracking_reference == "DHL 123"
    assert co.accepted_at <= co.shipped_at <= co.delivered_at
    assert order.status == "delivered"
    assert _stock(loaf) == 3  # delivered orders keep their units
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.subject_type == "coop_order")
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["coop_order.accept", "coop_order.ship", "coop_order.deliver"]


def test_the_buyer_and_the_co_op_are_mailed_on_placement_and_each_change(buyer):
    member = make_user(email="baker@example.org")
    loaf = make_listing(stock=5)
    make_member(member, loaf.coop)
    order = place_order(buyer, (loaf, 1))
    assert _subjects("ada@example.org") == [f"Your order {order.reference}"]
    assert _subjects("baker@example.org") == [f"New order {order.reference}"]
    coop_orders.change_status(order.coop_orders[0], "cancel", actor=member, reason="Oven broke")
    assert len(_subjects("ada@example.org")) == 2
    assert _subjects("baker@example.org")[-1] == f"Order {order.reference} is cancelled"
    body = db.session.scalars(select(OutgoingMail.body).order_by(OutgoingMail.id.desc())).first()
    assert "Oven broke" in body


def test_cancelling_needs_a_reason_and_gives_the_units_back_once(buyer):
    loaf = make_listing(stock=5)
    order = place_order(buyer, (loaf, 2))
    co = order.coop_orders[0]
    with pytest.raises(ReasonRequired):
        coop_orders.change_status(co, "cancel", actor=None, reason="  ")
    assert _stock(loaf) == 3 and co.status is CoopOrderStatus.PLACED
    coop_orders.change_status(co, "cancel", actor=None, reason="Sold out in the shop")
    assert _stock(loaf) == 5
    with pytest.raises(OrderTransitionRefused):
        coop_orders.change_status(co, "cancel", actor=None, reason="again")
    assert _stock(loaf) == 5
    assert co.cancel_reason == "Sold out in the shop" and co.lines[0].reserved == 0
    assert order.payment_status is PaymentStatus.CANCELLED and order.status == "cancelled"


def test_one_co_op_cancelling_leaves_the_others_part_of_the_order_open(buyer):
    loaf, coffee = make_listing(stock=5), make_listing(stock=5)
    order = place_order(buyer, (loaf, 1), (coffee, 1))
    coop_orders.change_status(order.coop_orders[0], "cancel", actor=None, reason="Closed")
    assert [co.status.value for co in order.coop_orders] == ["cancelled", "placed"]
    assert order.status == "open" and order.payment_status is PaymentStatus.PENDING


def test_nothing_ships_before_the_payment_is_received(buyer):
    order = place_order(buyer, (make_listing(), 1))
    co = order.coop_orders[0]
    coop_orders.change_status(co, "accept", actor=None)
    with pytest.raises(PaymentPending):
        coop_orders.change_status(co, "ship", actor=None)
    assert co.status is CoopOrderStatus.ACCEPTED


@pytest.mark.parametrize("event", ["deliver", "expire", "fly", ""])
def test_moves_the_table_does_not_allow_are_refused(buyer, event):
    co = place_order(buyer, (make_listing(), 1)).coop_orders[0]
    with pytest.raises(OrderTransitionRefused):
        coop_orders.change_status(co, event, actor=None)
    assert co.status is CoopOrderStatus.PLACED


def test_unpaid_orders_expire_after_their_time_and_release_the_stock(buyer):
    loaf, coffee = make_listing(stock=4), make_listing(stock=4)
    late = place_order(buyer, (loaf, 3), (coffee, 1))
    coop_orders.change_status(late.coop_orders[1], "accept", actor=None)
    paid = mark_paid(place_order(buyer, (loaf, 1)))
    assert coop_orders.expire_due(utcnow()) == 0
    assert coop_orders.expire_due(late.payment_due_at + timedelta(seconds=1)) == 1
    db.session.expire_all()
    assert [co.status.value for co in late.coop_orders] == ["expired", "expired"]
    assert late.payment_status is PaymentStatus.EXPIRED and late.status == "expired"
    assert paid.coop_orders[0].status is CoopOrderStatus.PLACED
    assert _stock(loaf) == 3 and db.session.get(Listing, coffee.id).stock == 4
    # a second sweep finds nothing more and gives nothing back twice
    assert coop_orders.expire_due(late.payment_due_at + timedelta(days=30)) == 0
    assert _stock(loaf) == 3


def test_a_co_op_finds_only_its_own_co_op_orders(buyer):
    bakery, roastery = make_coop(), make_coop()
    loaf, coffee = make_listing(coop=bakery), make_listing(coop=roastery)
    order = place_order(buyer, (loaf, 1), (coffee, 1))
    baked, roasted = order.coop_orders
    assert coop_orders.coop_orders_of(bakery) == [baked]
    assert coop_orders.coop_order_for(bakery, roasted.id) is None
    assert coop_orders.coop_order_for(roastery, roasted.id) is roasted
    assert coop_orders.coop_orders_of(roastery, status="cancelled") == []


def test_a_delivered_co_op_order_is_rated_once_by_its_buyer(buyer):
    other = make_user(email="eve@example.org")
    order = mark_paid(place_order(buyer, (make_listing(), 1)))
    co = order.coop_orders[0]
    with pytest.raises(ratings.NotRateable):
        ratings.rate(buyer, co, "positive", "")
    for event in ("accept", "ship", "deliver"):
        coop_orders.change_status(co, event, actor=None)
    with pytest.raises(ratings.NotRateable):
        ratings.rate(other, co, "positive", "")
    with pytest.raises(ratings.RatingInvalid):
        ratings.rate(buyer, co, "superb", "")
    ratings.rate(buyer, co, "positive", "  Lovely bread  ")
    with pytest.raises(ratings.AlreadyRated):
        ratings.rate(buyer, co, "negative", "changed my mind")
    summary = ratings.ratings_for_coop(co.coop)
    assert (summary.positive, summary.negative, summary.total) == (1, 0, 1)
    assert summary.recent[0].text == "Lovely bread"


def test_flask_orders_expire_releases_stock_of_orders_past_their_time(app, buyer):
    loaf = make_listing(stock=2)
    order = place_order(buyer, (loaf, 2))
    order.payment_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 unpaid order(s) expired"
    assert _stock(loaf) == 2


def test_the_housekeeper_expires_due_orders(app, buyer):
    from marketplace import housekeeping

    loaf = make_listing(stock=2)
    order = place_order(buyer, (loaf, 1))
    order.payment_due_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    housekeeping.run_once(app)
    assert _stock(loaf) == 2
    db.session.expire_all()
    assert order.payment_status is PaymentStatus.EXPIRED


def test_a_cancelled_part_is_neither_owed_nor_on_the_receipt(buyer):
    from marketplace.services import orders

    loaf = make_listing(price_amount=1000, vat_rate_bp=700)
    coffee = make_listing(price_amount=2000, vat_rate_bp=1900)
    order = place_order(buyer, (loaf, 1), (coffee, 1))
    assert orders.amount_due(order) == 3000
    assert orders.payment_instructions(order).details["reference"] == order.reference
    coop_orders.change_status(order.coop_orders[1], "cancel", actor=None, reason="No beans")
    assert orders.amount_due(order) == 1000
    receipt = orders.receipt(order)
    assert receipt.total == 1000 and list(receipt.vat) == [700]
    assert [share.coop_order.id for share in receipt.shares] == [order.coop_orders[0].id]
    assert order.total_amount == 3000  # what was placed stays on record
