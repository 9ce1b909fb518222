"""`flask seed-demo` places orders in every state, through the real services."""

import random
from collections import Counter

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    AuditEntry,
    Coop,
    CoopOrder,
    CoopOrderStatus,
    Listing,
    Order,
    OrderLine,
    OutgoingMail,
    PaymentStatus,
    Rating,
    RatingScore,
)
from marketplace.models.base import utcnow
from marketplace.services import demo_data, demo_orders, seed
from marketplace.services.ratings import ratings_for_coop

_STAMPS = {
    "coop_order.accept": "accepted_at",
    "coop_order.ship": "shipped_at",
    "coop_order.deliver": "delivered_at",
    "coop_order.cancel": "cancelled_at",
    "coop_order.expire": "cancelled_at",
}


@pytest.fixture
def _mail_stays_queued(app):
    """Delivery is tested in test_mail; here the seed's mails only need to be queued."""
    app.config["MAIL_DELIVERY"] = "off"


def _seeded_stock() -> dict[tuple[str, str], int | None]:
    """(co-op slug, SKU) -> the stock the seed gives a listing, drawn as seed.seed_demo draws it."""
    rng = random.Random(seed.DEMO_SEED)
    for _coop in demo_data.COOPS:
        rng.randint(3, 30)  # _seed_coops: one draw per co-op comes first
    return {(row["coop"], row["sku"]): row["stock"] for row in demo_data.demo_listings(rng)}


def _orders() -> dict[str, Order]:
    return {order.idempotency_key: order for order in db.session.scalars(select(Order))}


def test_the_demo_has_orders_in_every_coop_order_and_payment_state(demo):
    orders = _orders()
    assert set(orders) == {spec.key for spec in demo_orders.DEMO_ORDERS}
    assert {o.buyer.email for o in orders.values()} == {"buyer@example.org", "omar@example.org"}
    coop_orders = db.session.scalars(select(CoopOrder)).all()
    assert {co.status for co in coop_orders} == set(CoopOrderStatus)
    assert {o.payment_status for o in orders.values()} == set(PaymentStatus)
    # one order from three co-ops, each at a different point
    spread = [o for o in orders.values() if len({co.coop_id for co in o.coop_orders}) >= 3]
    assert spread and len({co.status for co in spread[0].coop_orders}) >= 3
    for order in orders.values():
        assert order.total_amount == sum(co.total_amount for co in order.coop_orders)
        assert all(co.fee_amount > 0 for co in order.coop_orders)
        # the buyer was told by the real checkout
        assert db.session.scalar(
            select(OutgoingMail.id).where(
                OutgoingMail.recipients == order.buyer.email,
                OutgoingMail.subject.contains(order.reference),
            )
        )
        if order.payment_status is PaymentStatus.PAID:
            assert order.paid_at is not None
    # nothing ships before it is paid
    assert all(
        co.order.payment_status is PaymentStatus.PAID
        for co in coop_orders
        if co.status in (CoopOrderStatus.SHIPPED, CoopOrderStatus.DELIVERED)
    )


def test_demo_history_is_dated_before_the_demo_now_and_the_open_order_can_still_be_paid(demo):
    orders = _orders()
    waiting = [o for o in orders.values() if o.payment_status is PaymentStatus.PENDING]
    assert len(waiting) == 1 and waiting[0].payment_due_at > utcnow()
    history = [o for o in orders.values() if o.payment_status is not PaymentStatus.PENDING]
    assert all(o.placed_at < seed.EPOCH for o in history)
    by_id = {co.id: co for o in history for co in o.coop_orders}
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.subject_type == "coop_order")
    ).all()
    assert len(entries) >= 15
    for entry in entries:
        coop_order = by_id[entry.subject_id]
        assert entry.at == getattr(coop_order, _STAMPS[entry.action])
        assert coop_order.order.placed_at < entry.at < seed.EPOCH


def test_delivered_demo_orders_are_rated_and_coop_pages_show_it(demo):
    ratings = db.session.scalars(select(Rating)).all()
    assert {r.score for r in ratings} == set(RatingScore)
    assert all(r.text and r.coop_order.status is CoopOrderStatus.DELIVERED for r in ratings)
    assert all(r.buyer_id == r.coop_order.order.buyer_id for r in ratings)
    assert all(r.created_at > r.coop_order.delivered_at for r in ratings)
    rated = [c for c in db.session.scalars(select(Coop)) if ratings_for_coop(c).total]
    assert len(rated) >= 2
    # one delivered co-op order is left for a demo buyer to rate
    delivered = db.session.scalars(
        select(CoopOrder).where(CoopOrder.status == CoopOrderStatus.DELIVERED)
    ).all()
    assert any(co.rating is None for co in delivered)


def test_demo_orders_take_their_units_and_cancelled_or_expired_ones_give_them_back(
    app, _mail_stays_queued
):
    seed.seed_demo()
    seeded = _seeded_stock()
    listings = {(item.coop.slug, item.sku): item for item in db.session.scalars(select(Listing))}
    lines = db.session.scalars(select(OrderLine)).all()

    def line(sku: str) -> OrderLine:
        return next(ln for ln in lines if ln.sku == sku)

    shirt = line("DD-0001")  # delivered
    assert shirt.coop_order.status is CoopOrderStatus.DELIVERED and shirt.quantity == 2
    assert listings["de-draad", "DD-0001"].stock == seeded["de-draad", "DD-0001"] - 2
    waiting = line("ED-DE06")  # in the order still waiting for the payment
    assert listings["elbdruck", "ED-DE06"].stock == seeded["elbdruck", "ED-DE06"] - 1
    assert waiting.reserved == 1
    for sku, status in (("ED-0021", "cancelled"), ("ED-0014", "expired"), ("DD-0034", "cancelled")):
        gone = line(sku)
        assert gone.coop_order.status is CoopOrderStatus(status)
        assert gone.reserved == 0
        assert (
            listings[gone.coop_order.coop.slug, sku].stock == seeded[gone.coop_order.coop.slug, sku]
        )
    # every good: the seeded stock less what live orders hold, nothing else
    held = Counter()
    for ln in lines:
        held[ln.coop_order.coop.slug, ln.sku] += ln.reserved
        live = ln.coop_order.status not in (CoopOrderStatus.CANCELLED, CoopOrderStatus.EXPIRED)
        assert ln.reserved == (ln.quantity if live else 0)
    for key, item in listings.items():
        if item.stock is not None:
            assert item.stock == seeded[key] - held[key], key
    # enough is left for demo shopping
    assert all(listings[key].stock >= 10 for key, units in held.items() if units)

    # seeding again neither orders again nor puts the units back
    stock = {key: item.stock for key, item in listings.items()}
    seed.seed_demo()
    db.session.expire_all()
    assert db.session.query(Order).count() == len(demo_orders.DEMO_ORDERS)
    assert {key: item.stock for key, item in listings.items()} == stock
