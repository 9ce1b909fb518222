"""Fifty buyers race for the last five units over real concurrent PostgreSQL connections."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.extensions import db
from marketplace.models import Cart, CartItem, Listing, Order, OrderLine
from marketplace.services import carts, checkout
from tests.conftest import test_settings as settings_for
from tests.factories import make_listing, make_user
from tests.order_factories import check_out, fill_cart

pytestmark = pytest.mark.usefixtures("no_search_sync")

BUYERS = 50
UNITS = 5


@pytest.fixture
def racing_app(app: Flask, tmp_path: Path) -> Flask:
    """A second app on the same database whose pool holds one connection per buyer."""
    settings = settings_for(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "racing")
    settings["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": BUYERS, "max_overflow": 0}
    return create_app(settings)


# SQLite serialises every writer: the race that matters is PostgreSQL's
@pytest.mark.parametrize("database_uri", ["postgresql"], indirect=True)
def test_fifty_buyers_for_five_units_give_five_orders_and_45_sold_out(app, racing_app):
    loaf = make_listing(title="Last loaves", stock=UNITS)
    buyers = [make_user(email=f"racer{n}@example.org") for n in range(BUYERS)]
    for buyer in buyers:
        fill_cart(buyer, (loaf, 1))
    buyer_ids = [buyer.id for buyer in buyers]
    start = threading.Barrier(BUYERS)
    outcomes: dict[int, str] = {}

    def buy(user_id: int) -> None:
        with racing_app.app_context():
            user = db.session.get(type(buyers[0]), user_id)
            cart, _ = carts.current_cart(user, None, create=False)
            db.session.connection()  # hold a connection before the start line
            start.wait()
            try:
                check_out(user, cart, idempotency_key=f"race-{user_id}")
                outcomes[user_id] = "ordered"
            except checkout.SoldOut as sold_out:
                outcomes[user_id] = f"sold out: {', '.join(sold_out.titles)}"
            except checkout.CartChanged:
                outcomes[user_id] = "changed"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(uid,)) for uid in buyer_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    with racing_app.app_context():
        db.engine.dispose()

    results = sorted(outcomes.values())
    assert len(results) == BUYERS
    assert results.count("ordered") == UNITS
    assert results.count("sold out: Last loaves") == BUYERS - UNITS
    db.session.expire_all()
    assert db.session.get(Listing, loaf.id).stock == 0
    assert db.session.scalar(select(func.count()).select_from(Order)) == UNITS
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == UNITS
    # the losers keep their carts, ready to try again once restocked
    losers = [uid for uid, outcome in outcomes.items() if outcome != "ordered"]
    kept = db.session.scalar(
        select(func.count())
        .select_from(CartItem)
        .join(CartItem.cart)
        .where(CartItem.listing_id == loaf.id, Cart.user_id.in_(losers))
    )
    assert kept == BUYERS - UNITS


def test_orders_one_after_another_never_take_more_than_the_stock(app):
    loaf = make_listing(stock=3)
    placed, refused = 0, 0
    for n in range(5):
        buyer = make_user(email=f"queue{n}@example.org")
        cart = fill_cart(buyer, (loaf, 1)) if n < 3 else None
        if cart is None:
            with pytest.raises(carts.CartProblem):
                fill_cart(buyer, (loaf, 1))
            refused += 1
            continue
        check_out(buyer, cart, idempotency_key="k")
        placed += 1
    db.session.expire_all()
    assert (placed, refused, db.session.get(Listing, loaf.id).stock) == (3, 2, 0)
