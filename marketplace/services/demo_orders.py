"""Demo orders for `flask seed-demo`: every co-op order state and every payment state.

The orders are placed through the real services (cart, checkout, co-op fulfilment,
expiry, ratings), so the stock, fees, audit entries and e-mails are what real buyers
cause. Only the clock is set afterwards: what happened is dated relative to the
demo's `now` (seed.EPOCH), so two runs give the same history. The one order still
waiting for its payment is placed at seeding time instead, so it waits the payment
method's full time whenever the demo is started.

Each order has a fixed idempotency key: seeding again finds it and changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from payments.gateway import DEFAULT_METHOD, gateways

from ..extensions import db
from ..models import Coop, CoopOrder, Listing, Order, PaymentStatus, Rating, User
from . import audit, carts, checkout, coop_orders, ratings

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
#: the demo buyers (see seed.demo_users) and where they live
ADDRESSES = {
    "buyer@example.org": checkout.Address(
        "Alex Buyer", "Zieglergasse 28/7", "", "1070", "Wien", "AT"
    ),
    "omar@example.org": checkout.Address(
        "Omar Reviewer", "Bergsgatan 14", "", "211 54", "Malmö", "SE"
    ),
}


@dataclass(frozen=True)
class Step:
    """What happens to a demo order `after` it was placed.

    `event` is "pay", "expire" (the payment time ran out; `after` counts from the
    payment deadline), "rate", or a co-op's action on its co-op order (accept, ship,
    deliver, cancel). `note` is the tracking reference, the reason or the rating text.
    """

    after: timedelta
    event: str
    coop: str | None = None
    note: str = ""
    score: str = ""


@dataclass(frozen=True)
class DemoOrder:
    key: str
    buyer: str
    #: (co-op slug, SKU, quantity); listings with plenty of stock, so demo shopping goes on
    items: tuple[tuple[str, str, int], ...]
    #: how long before the demo's now it was placed; None: at seeding time
    placed_before: timedelta | None
    steps: tuple[Step, ...] = ()


DEMO_ORDERS: tuple[DemoOrder, ...] = (
    # three co-ops, three fates: delivered and rated, shipped, cancelled
    DemoOrder(
        "demo-order-1",
        "buyer@example.org",
        (
            ("de-draad", "DD-0001", 2),
            ("de-draad", "DD-0031", 1),
            ("backstube-mur", "BM-0024", 1),
            ("backstube-mur", "BM-0023", 2),
            ("elbdruck", "ED-0021", 1),
            ("elbdruck", "ED-0026", 2),
        ),
        placed_before=21 * DAY,
        steps=(
            Step(2 * HOUR, "accept", "de-draad"),
            Step(5 * HOUR, "accept", "backstube-mur"),
            Step(DAY, "pay"),
            Step(
                2 * DAY,
                "cancel",
                "elbdruck",
                "Our risograph is being repaired until "
                "December, so we cannot print this edition in time. Sorry!",
            ),
            Step(3 * DAY, "ship", "de-draad", "DHL 00340434161094042557"),
            Step(4 * DAY, "ship", "backstube-mur", "Post AT RR123456785AT"),
            Step(6 * DAY, "deliver", "de-draad"),
            Step(
                7 * DAY,
                "rate",
                "de-draad",
                "Lovely soft shirts, packed in a reused box. Will order again.",
                "positive",
            ),
        ),
    ),
    # delivered by both co-ops and rated: one disappointed, one so-so
    DemoOrder(
        "demo-order-2",
        "buyer@example.org",
        (("de-draad", "DD-0013", 1), ("herstelwerk", "HW-0024", 1)),
        placed_before=40 * DAY,
        steps=(
            Step(DAY, "pay"),
            Step(2 * DAY, "accept", "de-draad"),
            Step(2 * DAY, "accept", "herstelwerk"),
            Step(3 * DAY, "ship", "herstelwerk", "PostNL 3SABCD1234567"),
            Step(6 * DAY, "deliver", "herstelwerk"),
            Step(8 * DAY, "ship", "de-draad"),
            Step(12 * DAY, "deliver", "de-draad"),
            Step(
                13 * DAY,
                "rate",
                "de-draad",
                "The ochre is much browner than in the photo, "
                "and it took almost two weeks to arrive.",
                "negative",
            ),
            Step(
                13 * DAY,
                "rate",
                "herstelwerk",
                "The monitor works well; one small scratch that the listing did not mention.",
                "neutral",
            ),
        ),
    ),
    # delivered, not rated yet: Omar can try rating in the demo
    DemoOrder(
        "demo-order-3",
        "omar@example.org",
        (("herstelwerk", "HW-0030", 1), ("elbdruck", "ED-0025", 3)),
        placed_before=30 * DAY,
        steps=(
            Step(3 * HOUR, "pay"),
            Step(DAY, "accept", "herstelwerk"),
            Step(DAY, "accept", "elbdruck"),
            Step(2 * DAY, "ship", "elbdruck"),
            Step(2 * DAY, "ship", "herstelwerk", "PostNL 3SABCD7654321"),
            Step(5 * DAY, "deliver", "elbdruck"),
            Step(6 * DAY, "deliver", "herstelwerk"),
        ),
    ),
    # paid; one co-op has accepted, the other has not looked yet
    DemoOrder(
        "demo-order-4",
        "omar@example.org",
        (("elbdruck", "ED-0030", 1), ("elbdruck", "ED-0024", 2), ("de-draad", "DD-0027", 1)),
        placed_before=3 * DAY,
        steps=(Step(DAY, "pay"), Step(2 * DAY, "accept", "elbdruck")),
    ),
    # never paid: the payment time ran out and the posters went back into stock
    DemoOrder(
        "demo-order-5",
        "omar@example.org",
        (("elbdruck", "ED-0014", 1),),
        placed_before=16 * DAY,
        steps=(Step(HOUR, "expire"),),
    ),
    # not paid yet, and the co-op cannot make it: cancelled, so nothing is owed
    DemoOrder(
        "demo-order-6",
        "buyer@example.org",
        (("de-draad", "DD-0034", 1),),
        placed_before=9 * DAY,
        steps=(
            Step(
                DAY,
                "cancel",
                "de-draad",
                "The indigo denim for this apron is sold out at "
                "our weaver; we cannot make it before February.",
            ),
        ),
    ),
    # just placed, waiting for the bank transfer
    DemoOrder(
        "demo-order-7",
        "buyer@example.org",
        (("backstube-mur", "BM-DE02", 1), ("elbdruck", "ED-DE06", 1)),
        placed_before=None,
    ),
)


def seed_orders(now: datetime) -> int:
    """Place the demo orders missing from the database and play their history; how many."""
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(ADDRESSES)))}
    placed: list[Order] = []
    for spec in DEMO_ORDERS:
        buyer = users[spec.buyer]
        if _existing(buyer, spec.key) is not None:
            continue
        order = _place(buyer, spec)
        if order is None:
            continue
        if spec.placed_before is not None:
            _play(order, spec, buyer, now - spec.placed_before)
        placed.append(order)
    if placed:
        log.info("seeded %d demo orders", len(placed))
    return len(placed)


def _existing(buyer: User, key: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.buyer_id == buyer.id, Order.idempotency_key == key)
    )


def _listing(slug: str, sku: str) -> Listing:
    listing = db.session.scalar(
        select(Listing).join(Coop).where(Coop.slug == slug, Listing.sku == sku)
    )
    if listing is None or not carts.purchasable(listing):
        raise RuntimeError(f"demo order listing {slug} {sku} is missing or not for sale")
    return listing


def _place(buyer: User, spec: DemoOrder) -> Order | None:
    """Fill the buyer's cart and check out, exactly as the buyer would."""
    cart, _token = carts.current_cart(buyer, None, create=True)
    assert cart is not None
    if cart.items:
        # never order what someone put in a demo buyer's cart by hand
        log.warning("demo order %s not placed: the cart of %s is in use", spec.key, buyer.email)
        return None
    db.session.commit()
    for slug, sku, quantity in spec.items:
        carts.add_item(cart, _listing(slug, sku).id, quantity)
    return checkout.place_order(
        buyer,
        cart,
        address=ADDRESSES[spec.buyer],
        shipping={},
        payment_method=DEFAULT_METHOD,
        idempotency_key=spec.key,
    )


def _play(order: Order, spec: DemoOrder, buyer: User, placed_at: datetime) -> None:
    """Date the order, then let its buyer and co-ops act in turn, each at its demo time."""
    hold = gateways(current_app.config)[order.payment_method].hold()
    order.placed_at = placed_at
    order.payment_due_at = placed_at + hold
    db.session.commit()
    for step in spec.steps:
        at = placed_at + step.after
        if step.event == "pay":
            # No payment service yet (issue 7): mark it received as reconciliation will.
            order.payment_status = PaymentStatus.PAID
            order.paid_at = at
            db.session.commit()
        elif step.event == "expire":
            expired_at = placed_at + hold + step.after
            with audit.dated(expired_at):
                coop_orders.expire_due(now=expired_at)
        elif step.event == "rate":
            rating = ratings.rate(buyer, _coop_order(order, step.coop), step.score, step.note)
            _set_rating_time(rating, at)
        else:
            with audit.dated(at):
                coop_orders.change_status(
                    _coop_order(order, step.coop),
                    step.event,
                    actor=_coop_admin(step.coop),
                    reason=step.note if step.event == "cancel" else None,
                    tracking_reference=step.note if step.event == "ship" else None,
                    now=at,
                )


def _coop_order(order: Order, slug: str | None) -> CoopOrder:
    return next(co for co in order.coop_orders if co.coop.slug == slug)


def _coop_admin(slug: str | None) -> User | None:
    return db.session.scalar(select(User).where(User.email == f"admin.{slug}@example.org"))


def _set_rating_time(rating: Rating, at: datetime) -> None:
    rating.created_at = at
    db.session.commit()
