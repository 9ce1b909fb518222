"""Placing an order: one order, one co-op order per co-op, stock reserved atomically.

The buyer confirms a review page; if a price or the stock changed since, nothing is
placed and the buyer is shown exactly what changed. Stock is taken with one
conditional UPDATE per listing (`stock >= wanted`), in listing-id order so that two
checkouts never wait on each other in a cycle: concurrent buyers can never take more
than there is, and a buyer who loses the race keeps the cart and is told what sold out.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from payments.gateway import gateways

from ..domain import cart as rules
from ..domain.cart import Change, Shipping
from ..domain.fees import coop_order_fee
from ..extensions import db
from ..models import (
    Cart,
    CoopOrder,
    Listing,
    ListingKind,
    ListingStatus,
    Order,
    OrderLine,
    ShippingMethod,
    User,
)
from ..models.base import utcnow
from . import carts, labels, notifications
from .transparency import FAIR_TRADE_LABEL, current_fee_rule

log = logging.getLogger(__name__)

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_KEY_LENGTH = 64
_ADDRESS_LIMITS = {
    "name": 120,
    "line1": 200,
    "line2": 200,
    "postcode": 20,
    "city": 120,
    "country": 2,
}


class CheckoutInvalid(ValueError):
    """The checkout form or request is wrong; `errors` maps a field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class CartChanged(Exception):
    """Prices or availability changed since the buyer looked: show `changes`, confirm again."""

    def __init__(self, changes: list[Change]) -> None:
        super().__init__(f"{len(changes)} changes")
        self.changes = changes


class SoldOut(Exception):
    """Another buyer took the last units first; the cart is left as it was."""

    def __init__(self, titles: list[str]) -> None:
        super().__init__(", ".join(titles))
        self.titles = titles


@dataclass(frozen=True)
class Address:
    name: str
    line1: str
    line2: str
    postcode: str
    city: str
    #: ISO 3166-1 alpha-2, upper case
    country: str


def check_address(data: Mapping[str, object]) -> Address:
    """A delivery address from form or JSON fields, or CheckoutInvalid naming each problem."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, limit in _ADDRESS_LIMITS.items():
        raw = data.get(name)
        value = " ".join(raw.split()) if isinstance(raw, str) else ""
        if raw is not None and not isinstance(raw, str):
            errors[name] = _("Must be text.")
        elif not value and name != "line2":
            errors[name] = _("Required.")
        elif len(value) > limit and name != "country":
            errors[name] = _("At most %(count)d characters.", count=limit)
        values[name] = value
    country = values.get("country", "").upper()
    if "country" not in errors and not (
        len(country) == 2 and country.isascii() and country.isalpha()
    ):
        errors["country"] = _("Give the two-letter country code, e.g. DE or SE.")
    if errors:
        raise CheckoutInvalid(errors)
    values["country"] = country
    return Address(**values)


def payment_methods() -> list[str]:
    """The payment methods buyers can choose, by name."""
    return list(gateways(current_app.config))


def snapshot(summary: carts.CartSummary) -> dict[int, tuple[int, int]]:
    """What the buyer is confirming: listing -> (unit price, quantity)."""
    return {
        line.listing.id: (line.unit_price, line.quantity)
        for group in summary.groups
        for line in group.lines
    }


def encode_snapshot(confirmed: dict[int, tuple[int, int]]) -> str:
    """The snapshot as hidden-field text: `listing:price:quantity` joined by commas."""
    return ",".join(f"{lid}:{price}:{qty}" for lid, (price, qty) in sorted(confirmed.items()))


def decode_snapshot(text: str) -> dict[int, tuple[int, int]]:
    """The inverse of encode_snapshot; CheckoutInvalid when tampered with."""
    confirmed: dict[int, tuple[int, int]] = {}
    try:
        for part in filter(None, (text or "").split(",")):
            lid, price, qty = (int(v) for v in part.split(":"))
            confirmed[lid] = (price, qty)
    except ValueError:
        raise CheckoutInvalid(
            {"confirmed": _("The review page was damaged; please review again.")}
        ) from None
    return confirmed


def _differences(summary: carts.CartSummary, confirmed: dict[int, tuple[int, int]]) -> list[Change]:
    """Changes between what the buyer confirmed and the cart and listings now."""
    now = {
        line.listing.id: (
            (line.unit_price, line.available) if carts.purchasable(line.listing) else (None, None)
        )
        for group in summary.groups
        for line in group.lines
    }
    found = rules.changes(confirmed, now)
    in_cart = {line.listing.id: line.quantity for g in summary.groups for line in g.lines}
    for listing_id, quantity in in_cart.items():
        if listing_id not in confirmed:
            found.append(Change(listing_id, "added", 0, quantity))
        elif confirmed[listing_id][1] != quantity:
            found.append(Change(listing_id, "quantity_edited", confirmed[listing_id][1], quantity))
    for listing_id, (_price, quantity) in confirmed.items():
        if listing_id not in in_cart:
            found.append(Change(listing_id, "removed", quantity, 0))
    return found


def place_order(
    user: User,
    cart: Cart | None,
    *,
    address: Address,
    shipping: dict[int, Shipping],
    payment_method: str,
    idempotency_key: str,
    confirmed: dict[int, tuple[int, int]] | None = None,
) -> Order:
    """Turn the cart into an order with one co-op order per co-op; the same key twice: one order."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise CheckoutInvalid(
            {"idempotency_key": _("Send a key of 1 to %(count)d characters.", count=MAX_KEY_LENGTH)}
        )
    existing = order_with_key(user, key)
    if existing is not None:
        return existing
    gateway = gateways(current_app.config).get(payment_method)
    if gateway is None:
        raise CheckoutInvalid({"payment_method": _("Choose one of the offered payment methods.")})
    summary = carts.summarize(cart, shipping)
    if cart is None or not summary.groups:
        raise CheckoutInvalid({"cart": _("Your cart is empty.")})
    if summary.problems:
        raise CheckoutInvalid({"cart": " ".join(summary.problems)})
    _check_shipping(summary, shipping)
    changes = summary.changes if confirmed is None else _differences(summary, confirmed)
    if changes or not summary.can_checkout:
        carts.mark_seen(cart)
        db.session.commit()
        raise CartChanged(changes)
    now = utcnow()
    order = _new_order(user, key, address, summary, payment_method, now + gateway.hold())
    db.session.add(order)
    try:
        db.session.flush()  # the (buyer, key) unique index stops a second concurrent placement
        _reserve(order)
    except IntegrityError:
        db.session.rollback()
        existing = order_with_key(user, key)
        if existing is None:
            raise
        return existing
    except SoldOut:
        db.session.rollback()
        raise
    for item in list(cart.items):
        cart.items.remove(item)
    notifications.order_placed(order)
    parts = len(order.coop_orders)
    db.session.commit()
    log.info("order %s placed by user %s: %d co-op orders", order.reference, user.id, parts)
    if payment_method == "stripe":
        from .stripe_payments import start_payment_quietly  # its PaymentIntent, now

        start_payment_quietly(order)  # never raises: the order page tries again
    return order


def order_with_key(user: User, key: str) -> Order | None:
    """The buyer's order placed with this idempotency key, if any."""
    return db.session.scalar(
        select(Order).where(Order.buyer_id == user.id, Order.idempotency_key == key)
    )


def _check_shipping(summary: carts.CartSummary, shipping: dict[int, Shipping]) -> None:
    for group in summary.groups:
        if shipping.get(group.coop.id) is Shipping.PICKUP and not group.offers_pickup:
            raise CheckoutInvalid(
                {"shipping": _("%(coop)s does not offer pickup.", coop=group.coop.name)}
            )


def _new_order(
    user: User,
    key: str,
    address: Address,
    summary: carts.CartSummary,
    payment_method: str,
    due: datetime,
) -> Order:
    rule, policy_id = current_fee_rule()
    listings = [line.listing for group in summary.groups for line in group.lines]
    verified = labels.for_listings(listings)
    order = Order(
        reference=_new_reference(),
        buyer_id=user.id,
        idempotency_key=key,
        currency=summary.currency,
        total_amount=summary.total,
        payment_method=payment_method,
        payment_due_at=due,
        ship_name=address.name,
        ship_line1=address.line1,
        ship_line2=address.line2,
        ship_postcode=address.postcode,
        ship_city=address.city,
        ship_country=address.country,
    )
    for group in summary.groups:
        lines = []
        for line in group.lines:
            fair = any(v.slug == FAIR_TRADE_LABEL for v in verified.get(line.listing.id, []))
            lines.append(
                OrderLine(
                    listing_id=line.listing.id,
                    title=line.listing.title,
                    sku=line.listing.sku,
                    kind=line.listing.kind.value,
                    unit_price=line.unit_price,
                    quantity=line.quantity,
                    vat_rate_bp=line.listing.vat_rate_bp,
                    fee_rate_bp=rule.rate(fair),
                    # what _reserve takes; the insert carries it, so no second write
                    reserved=line.quantity if line.available is not None else 0,
                )
            )
        fee = coop_order_fee([(ln.total, ln.fee_rate_bp) for ln in lines], group.shipping, rule)
        order.coop_orders.append(
            CoopOrder(
                coop_id=group.coop.id,
                shipping_method=ShippingMethod(group.shipping_choice.value),
                subtotal_amount=group.subtotal,
                shipping_amount=group.shipping,
                fee_amount=fee,
                fee_policy_id=policy_id,
                lines=lines,
            )
        )
    return order


def _reserve(order: Order) -> None:
    """Take every line's units from stock or capacity, or raise SoldOut naming what ran out."""
    listings = db.session.execute(
        select(Listing.id, Listing.kind, Listing.capacity).where(
            Listing.id.in_([ln.listing_id for co in order.coop_orders for ln in co.lines])
        )
    ).all()
    kinds = {row.id: (row.kind, row.capacity) for row in listings}
    table = Listing.__table__
    sold_out: list[str] = []
    lines = sorted(
        (ln for co in order.coop_orders for ln in co.lines), key=lambda ln: ln.listing_id
    )
    for line in lines:
        kind, capacity = kinds[line.listing_id]
        if kind is ListingKind.GOOD:
            column = table.c.stock
        elif capacity is not None:
            column = table.c.capacity
        else:
            line.reserved = 0  # a service "on request" (now): nothing to count
            continue
        result = db.session.execute(
            update(table)
            .where(
                table.c.id == line.listing_id,
                table.c.status == ListingStatus.ACTIVE.value,
                column >= line.quantity,
            )
            .values(
                {
                    column: column - line.quantity,
                    table.c.version: table.c.version + 1,
                    # a sale is not an edit: the co-op's "recently edited" order stays
                    table.c.updated_at: table.c.updated_at,
                }
            )
        )
        if result.rowcount == 1:
            line.reserved = line.quantity  # (unchanged unless capacity was set meanwhile)
        else:
            sold_out.append(line.title)
    if sold_out:
        raise SoldOut(sold_out)


def release(coop_order: CoopOrder) -> None:
    """Give a co-op order's reserved units back to stock or capacity (no commit)."""
    table = Listing.__table__
    for line in sorted(coop_order.lines, key=lambda ln: ln.listing_id or 0):
        if not line.reserved or line.listing_id is None:
            continue
        column = table.c.stock if line.kind == ListingKind.GOOD.value else table.c.capacity
        db.session.execute(
            update(table)
            .where(table.c.id == line.listing_id, column.is_not(None))
            .values(
                {
                    column: column + line.reserved,
                    table.c.version: table.c.version + 1,
                    table.c.updated_at: table.c.updated_at,
                }
            )
        )
        line.reserved = 0


def _new_reference() -> str:
    while True:
        raw = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
        reference = f"{raw[:4]}-{raw[4:]}"
        if db.session.scalar(select(Order.id).where(Order.reference == reference)) is None:
            return reference
