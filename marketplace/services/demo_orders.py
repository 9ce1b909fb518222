"""Demo orders for `flask seed-demo`: every co-op order state and every payment state.

The orders are placed through the real services (cart, checkout, co-op fulfilment,
expiry, ratings), and their money moves through the real services too: the federation
admin marks bank payments received (in full, short or over), co-op admins refund lines
or amounts, the federation marks bank payouts and bank refunds sent. So the stock,
fees, ledger, transfers, reversals, audit entries and e-mails are what real people
cause, and `flask ledger check` has real work on the demo.

Only the clock is set afterwards: what happened is dated relative to the demo's `now`
(seed.EPOCH), so two runs give the same history. The steps of all orders are played in
the order of their demo time, whichever order they belong to: a payout pays what the
co-op was owed at that moment, as it would have. The orders still waiting for their
payment are placed at seeding time instead, so they wait the payment method's full time
whenever the demo is started.

Each order has a fixed idempotency key, and so has each refund: seeding again finds
them and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from payments.gateway import DEFAULT_METHOD, gateways

from ..extensions import db
from ..models import (
    Coop,
    CoopOrder,
    LedgerTransaction,
    Listing,
    Order,
    PaymentReceipt,
    PaymentSource,
    Rating,
    Refund,
    RefundStatus,
    Transfer,
    TransferReversal,
    User,
)
from . import audit, carts, checkout, coop_orders, payments, ratings, refunds, transfers

log = logging.getLogger(__name__)

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
#: the federation admin of the demo (see seed.demo_users): marks payments, payouts, refunds sent
FEDERATION_ADMIN = "admin@example.org"
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

    `event` is one of:

    - "pay": the federation admin marks the bank payment received, exactly what is due,
      or `difference` more (an over-payment, owed back) or less (paid in part);
    - "expire": the payment time ran out (`after` counts from the payment deadline);
    - "rate": the buyer rates `coop`'s co-op order (`note` the text, `score`);
    - accept, ship, deliver, cancel: `coop`'s admin acts on its co-op order (`note` is
      the tracking reference or the reason; cancelling a paid one refunds it in full);
    - "refund": `coop`'s admin refunds units of its `lines` (SKU, quantity), `note` why;
    - "refund_amount": `coop`'s admin refunds `amount` of its co-op order, `note` why;
    - "refund_sent": the federation admin sent the pending bank refunds of `coop`'s co-op
      order and marks them paid;
    - "payout": the federation admin marks `coop`'s bank payout paid: all it is owed
      at that moment, less the reversals of refunds made after an earlier payout.
    """

    after: timedelta
    event: str
    coop: str | None = None
    note: str = ""
    score: str = ""
    difference: int = 0
    amount: int = 0
    lines: tuple[tuple[str, int], ...] = ()


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
    # three co-ops, three fates: delivered and rated, shipped, cancelled after the payment
    # (so refunded in full, and the bank refund sent); De Draad is paid out
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
            Step(3 * DAY + 2 * HOUR, "refund_sent", "elbdruck"),
            Step(4 * DAY, "ship", "backstube-mur", "Post AT RR123456785AT"),
            Step(6 * DAY, "deliver", "de-draad"),
            Step(
                7 * DAY,
                "rate",
                "de-draad",
                "Lovely soft shirts, packed in a reused box. Will order again.",
                "positive",
            ),
            Step(8 * DAY, "payout", "de-draad"),
            Step(9 * DAY, "payout", "elbdruck"),
        ),
    ),
    # delivered by both co-ops and rated: one disappointed, one so-so; both paid out (by
    # the payouts in demo-order-1 and demo-order-3)
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
    # delivered, not rated yet: Omar can try rating in the demo. Elbdruck refunds one
    # creased print before its payout (its transfer shrinks); Herstelwerk refunds part
    # of the sleeve after its payout (a reversal, taken off its next payout)
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
            Step(7 * DAY, "payout", "herstelwerk"),
            Step(
                8 * DAY,
                "refund",
                "elbdruck",
                "One of the three prints arrived creased: we refund it.",
                lines=(("ED-0025", 1),),
            ),
            Step(
                9 * DAY,
                "refund_amount",
                "herstelwerk",
                "A seam of the sleeve came loose; as agreed, 10 € back instead of a return.",
                amount=1000,
            ),
            Step(10 * DAY, "refund_sent", "elbdruck"),
        ),
    ),
    # paid; one co-op has accepted, the other has not looked yet: both transfers pending
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
    # the buyer sent 10 € too much: the excess is owed back; both co-ops delivered, and
    # Herstelwerk's payout for it is less the reversal of demo-order-3's refund
    DemoOrder(
        "demo-order-8",
        "omar@example.org",
        (
            ("gemuesehof-wendland", "GW-0006", 1),
            ("gemuesehof-wendland", "GW-0021", 2),
            ("herstelwerk", "HW-0002", 1),
        ),
        placed_before=12 * DAY,
        steps=(
            Step(DAY, "pay", difference=1000),
            Step(DAY + 3 * HOUR, "accept", "gemuesehof-wendland"),
            Step(2 * DAY, "accept", "herstelwerk"),
            Step(2 * DAY, "ship", "gemuesehof-wendland", "DHL 00340434161094099871"),
            Step(3 * DAY, "ship", "herstelwerk", "PostNL 3SABCD2468024"),
            Step(4 * DAY, "deliver", "gemuesehof-wendland"),
            Step(6 * DAY, "deliver", "herstelwerk"),
        ),
    ),
    # just placed and paid in part: 20 € are still to come
    DemoOrder(
        "demo-order-9",
        "buyer@example.org",
        (("de-draad", "DD-0029", 1), ("backstube-mur", "BM-DE05", 1)),
        placed_before=None,
        steps=(Step(timedelta(0), "pay", difference=-2000),),
    ),
)


@dataclass(frozen=True)
class _Placed:
    spec: DemoOrder
    order: Order
    buyer: User


def seed_orders(now: datetime) -> int:
    """Place the demo orders missing from the database and play their history; how many."""
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(ADDRESSES)))}
    past = [spec for spec in DEMO_ORDERS if spec.placed_before is not None]
    current = [spec for spec in DEMO_ORDERS if spec.placed_before is None]
    history: list[_Placed] = []
    for spec in past:
        placed = _place_missing(users[spec.buyer], spec)
        if placed is not None:
            assert spec.placed_before is not None
            _date(placed.order, now - spec.placed_before)
            history.append(placed)
    _play(history)
    # placed after the history: a past expiry never catches them
    waiting: list[_Placed] = []
    for spec in current:
        placed = _place_missing(users[spec.buyer], spec)
        if placed is not None:
            _play([placed])
            waiting.append(placed)
    count = len(history) + len(waiting)
    if count:
        log.info("seeded %d demo orders", count)
    return count


def _existing(buyer: User, key: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.buyer_id == buyer.id, Order.idempotency_key == key)
    )


def _place_missing(buyer: User, spec: DemoOrder) -> _Placed | None:
    if _existing(buyer, spec.key) is not None:
        return None
    order = _place(buyer, spec)
    return None if order is None else _Placed(spec, order, buyer)


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


def _date(order: Order, placed_at: datetime) -> None:
    """The order was placed at `placed_at`, and its payment time counts from then."""
    hold = gateways(current_app.config)[order.payment_method].hold()
    order.placed_at = placed_at
    order.payment_due_at = placed_at + hold
    db.session.commit()


def _play(orders: list[_Placed]) -> None:
    """Let the orders' buyers, co-ops and the federation act in turn, in demo time order.

    All orders are dated first, so each step sees every order as it stood at that moment.
    """
    steps = [
        (_when(placed.order, step), placed, index, step)
        for placed in orders
        for index, step in enumerate(placed.spec.steps)
    ]
    # by time; at the same time, in the order the orders and their steps are listed
    steps.sort(key=lambda item: item[0])
    for at, placed, index, step in steps:
        with _dated(at):
            _act(placed, index, step, at)


def _when(order: Order, step: Step) -> datetime:
    if step.event == "expire":
        assert order.payment_due_at is not None
        return order.payment_due_at + step.after
    return order.placed_at + step.after


def _act(placed: _Placed, index: int, step: Step, at: datetime) -> None:
    order, spec = placed.order, placed.spec
    if step.event == "pay":
        due = payments.outstanding(order)
        payments.mark_paid(
            order.reference,
            due + step.difference,
            actor=_user(FEDERATION_ADMIN),
            source=PaymentSource.ADMIN,
        )
    elif step.event == "expire":
        coop_orders.expire_due(now=at)
    elif step.event == "rate":
        rating = ratings.rate(placed.buyer, _coop_order(order, step.coop), step.score, step.note)
        _set_rating_time(rating, at)
    elif step.event in ("refund", "refund_amount"):
        coop_order = _coop_order(order, step.coop)
        refunds.refund(
            coop_order,
            actor=_coop_admin(step.coop),
            idempotency_key=f"{spec.key}-step-{index}",
            amount=step.amount if step.event == "refund_amount" else None,
            lines=_line_refunds(coop_order, step.lines) if step.event == "refund" else None,
            reason=step.note,
            now=at,
        )
    elif step.event == "refund_sent":
        for made in _pending_refunds(order, step.coop):
            refunds.mark_refund_paid(made.id, actor=_user(FEDERATION_ADMIN))
    elif step.event == "payout":
        coop = _coop_order(order, step.coop).coop
        transfers.mark_bank_payout_paid(coop, order.currency, actor=_user(FEDERATION_ADMIN))
    else:
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


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _coop_admin(slug: str | None) -> User | None:
    return _user(f"admin.{slug}@example.org")


def _line_refunds(
    coop_order: CoopOrder, lines: tuple[tuple[str, int], ...]
) -> list[refunds.LineRefund]:
    by_sku = {line.sku: line for line in coop_order.lines}
    return [refunds.LineRefund(by_sku[sku].id, quantity) for sku, quantity in lines]


def _pending_refunds(order: Order, slug: str | None) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund)
            .where(
                Refund.coop_order_id == _coop_order(order, slug).id,
                Refund.status == RefundStatus.PENDING,
            )
            .order_by(Refund.id)
        )
    )


def _set_rating_time(rating: Rating, at: datetime) -> None:
    rating.created_at = at
    db.session.commit()


#: money rows a step writes, and the moments they record, which the services take from
#: the clock: when each was made (set on new rows), and what happened since (when set)
_MADE_AT: dict[type, str] = {
    PaymentReceipt: "received_at",
    LedgerTransaction: "created_at",
    Transfer: "created_at",
    TransferReversal: "created_at",
    Refund: "created_at",
}
_HAPPENED_AT: dict[type, tuple[str, ...]] = {
    Order: ("paid_at",),
    Transfer: ("next_attempt_at", "paid_at"),
    TransferReversal: ("next_attempt_at", "done_at"),
    Refund: ("next_attempt_at", "paid_at"),
}


@contextmanager
def _dated(at: datetime) -> Iterator[None]:
    """What a step writes meanwhile happened at `at`: its audit entries (audit.dated) and
    the moments its money rows record, which the services take from the clock."""
    session = db.session()

    def stamp(session: Session, context: Any, instances: Any) -> None:
        for obj in session.new:
            if (made := _MADE_AT.get(type(obj))) is not None:
                setattr(obj, made, at)
        for obj in [*session.new, *session.dirty]:
            state = inspect(obj)
            for name in _HAPPENED_AT.get(type(obj), ()):
                if getattr(obj, name) is not None and (
                    obj in session.new or state.attrs[name].history.added
                ):
                    setattr(obj, name, at)

    event.listen(session, "before_flush", stamp)
    try:
        with audit.dated(at):
            yield
    finally:
        event.remove(session, "before_flush", stamp)
