"""The checkout benchmark's market (bench/checkout.py): made in a throwaway PostgreSQL
database, then checked against what the buyers were told.

`populate` and `verify` run inside an app context on that database.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, func, make_url, select, text

from bench.checkout_load import Tally
from marketplace.config import normalise_database_url


@contextlib.contextmanager
def throwaway_database(server_url: str, log: Callable[[str], None]) -> Iterator[str]:
    """A new database on the server, dropped when the block ends however it ends."""
    server = make_url(normalise_database_url(server_url))
    if server.get_backend_name() != "postgresql":
        raise SystemExit(f"--database-url must name a PostgreSQL server, not {server_url!r}")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"bench_checkout_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # noqa: BLE001 - say which server, then stop
        admin.dispose()
        raise SystemExit(f"no PostgreSQL server at {server.render_as_string()}: {error}") from None
    log(f"database {name} created")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        log(f"database {name} dropped")


@dataclass
class Market:
    listings: list[int]
    #: listing id -> units in stock before the buyers came
    initial_stock: dict[int, int]
    tokens: list[str]
    coops: int


def populate(args: argparse.Namespace) -> Market:
    """Co-ops (one admin each, who gets the order mails), listings, buyers and their tokens."""
    from marketplace.extensions import db
    from marketplace.models import (
        Category,
        Coop,
        CoopStatus,
        Listing,
        ListingKind,
        ListingStatus,
        MemberRole,
        Membership,
        User,
    )
    from marketplace.models.base import utcnow
    from marketplace.services import personal_tokens

    rng = random.Random(args.seed)  # noqa: S311 - generated data, not secrets
    now = utcnow()
    category = Category(slug="bread", name="Bread")
    coops = []
    for n in range(1, args.coops + 1):
        coop = Coop(slug=f"bench-coop-{n}", name=f"Bench Co-op {n}", country="DE",
                    region="Berlin", trade="bakery", status=CoopStatus.ADMITTED, admitted_at=now,
                    currency="EUR", shipping_flat_fee=490, shipping_free_above=5000)  # fmt: skip
        admin = User(email=f"admin{n}@bench.example", name=f"Admin {n}", password_hash="-")  # noqa: S106
        db.session.add(Membership(user=admin, coop=coop, role=MemberRole.ADMIN))
        coops.append(coop)
    listings = [
        Listing(
            coop=coops[n % len(coops)],
            category=category,
            kind=ListingKind.GOOD,
            title=f"Bench loaf {n + 1}",
            price_amount=rng.randrange(250, 2500, 10),
            currency="EUR",
            vat_rate_bp=700,
            stock=args.stock,
            ships_to="DE",
            status=ListingStatus.ACTIVE,
            published_at=now,
        )  # fmt: skip
        for n in range(args.listings)
    ]
    buyers = [
        User(email=f"buyer{n}@bench.example", name=f"Buyer {n}", password_hash="-")  # noqa: S106
        for n in range(1, args.buyers + 1)
    ]
    db.session.add_all([*listings, *buyers])
    db.session.commit()
    tokens = [personal_tokens.create_token(buyer, "bench")[1] for buyer in buyers]
    return Market(
        listings=[listing.id for listing in listings],
        initial_stock={listing.id: args.stock for listing in listings},
        tokens=tokens,
        coops=len(coops),
    )


def verify(market: Market, tally: Tally) -> dict[str, Any]:
    """What the database holds after the run, against the stock it started with."""
    from marketplace.extensions import db
    from marketplace.models import CoopOrder, CoopOrderStatus, Listing, Order, OrderLine

    db.session.remove()  # read what the server committed, not this process's cached rows
    stock_now = dict(db.session.execute(select(Listing.id, Listing.stock)).tuples().all())
    released = [CoopOrderStatus.CANCELLED, CoopOrderStatus.EXPIRED]
    sold = dict(
        db.session.execute(
            select(OrderLine.listing_id, func.sum(OrderLine.quantity))
            .join(CoopOrder, CoopOrder.id == OrderLine.coop_order_id)
            .where(CoopOrder.status.not_in(released))
            .group_by(OrderLine.listing_id)
        )
        .tuples()
        .all()
    )
    orders = db.session.scalar(select(func.count()).select_from(Order)) or 0
    oversold = negative = 0
    mismatched: list[str] = []
    for listing_id, initial in market.initial_stock.items():
        now = stock_now[listing_id] or 0
        units = int(sold.get(listing_id, 0))
        oversold += max(0, units - initial) + max(0, -now)
        negative += now < 0
        if initial - now != units:
            mismatched.append(f"listing {listing_id}: {initial} - {now} in stock, {units} sold")
        if tally.units[listing_id] != units:
            mismatched.append(
                f"listing {listing_id}: the 201 answers hold {tally.units[listing_id]} units, "
                f"the database {units}"
            )
    placed = tally.outcomes["checkout 201"]
    return {
        "oversold_units": oversold,
        "listings_below_zero": negative,
        "stock_mismatches": mismatched,
        "orders_in_database": orders,
        "orders_answered_201": placed,
        "units_sold": int(sum(sold.values())),
        "units_left": int(sum(v or 0 for v in stock_now.values())),
        "ok": oversold == 0 and negative == 0 and not mismatched and orders == placed,
    }
