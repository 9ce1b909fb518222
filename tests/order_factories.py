"""Carts and orders for tests: fill a cart, place an order, mark it paid."""

from __future__ import annotations

import itertools
from typing import Any

from marketplace.domain.cart import Shipping
from marketplace.extensions import db
from marketplace.models import Cart, Listing, Order, PaymentSource, User
from marketplace.services import carts, checkout, payments

ADDRESS = checkout.Address(
    name="Ada Buyer",
    line1="Hauptstraße 1",
    line2="",
    postcode="10115",
    city="Berlin",
    country="DE",
)
_keys = itertools.count(1)


def fill_cart(user: User | None, *items: tuple[Listing, int], token: str | None = None) -> Cart:
    """The account's (or guest token's) cart with these (listing, quantity) lines added."""
    cart, _new_token = carts.current_cart(user, token, create=True)
    assert cart is not None
    db.session.commit()
    for listing, quantity in items:
        carts.add_item(cart, listing.id, quantity)
    return cart


def check_out(user: User, cart: Cart, **kw: Any) -> Order:
    """Check `cart` out by bank transfer to ADDRESS, delivered by every co-op, unless `kw`
    says otherwise."""
    kw.setdefault("address", ADDRESS)
    kw.setdefault("shipping", {})
    kw.setdefault("payment_method", "bank_transfer")
    kw.setdefault("idempotency_key", f"key-{next(_keys)}")
    return checkout.place_order(user, cart, **kw)


def place_order(user: User, *items: tuple[Listing, int], **kw: Any) -> Order:
    """Fill the user's cart with `items` and check out by bank transfer."""
    return check_out(user, fill_cart(user, *items), **kw)


def mark_paid(order: Order, amount: int | None = None) -> Order:
    """The federation received the bank transfer for `order` (by default exactly what is due)."""
    payments.mark_paid(order.reference, amount, actor=None, source=PaymentSource.CLI)
    db.session.refresh(order)
    return order


__all__ = ["ADDRESS", "Shipping", "check_out", "fill_cart", "mark_paid", "place_order"]
