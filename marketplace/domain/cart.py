"""A cart across co-ops: lines grouped per co-op, shipping per co-op, VAT per rate.

Amounts are integer minor units of one currency; prices include VAT (gross).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum

from .money import MAX_AMOUNT

#: most units of one listing in one cart line
MAX_QUANTITY = 999


class Shipping(StrEnum):
    #: the co-op's flat fee (free from its threshold)
    DELIVERY = "delivery"
    #: collected by the buyer: no fee
    PICKUP = "pickup"


class CartError(ValueError):
    """A cart that cannot be priced or checked out as it is."""


@dataclass(frozen=True)
class Line:
    listing_id: int
    coop_id: int
    #: gross unit price in minor units
    unit_price: int
    quantity: int
    currency: str
    #: VAT rate in basis points (1900 = 19 %)
    vat_rate_bp: int

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class ShippingTerms:
    """What a co-op charges to send an order."""

    flat_fee: int
    #: subtotal from which delivery is free; None: never
    free_above: int | None
    offers_pickup: bool


@dataclass(frozen=True)
class CoopGroup:
    coop_id: int
    lines: tuple[Line, ...]
    subtotal: int
    shipping: int

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


def check_quantity(quantity: int, available: int | None) -> None:
    """A line's quantity: 1..MAX_QUANTITY and no more than is available (None: on request)."""
    if quantity < 1:
        raise CartError("the quantity must be at least 1")
    if quantity > MAX_QUANTITY:
        raise CartError(f"at most {MAX_QUANTITY} of one offer per order")
    if available is not None and quantity > available:
        raise CartError(f"only {available} available")


def shipping_fee(subtotal: int, terms: ShippingTerms, choice: Shipping) -> int:
    """The co-op's shipping for this subtotal: flat, free from the threshold, none for pickup."""
    if choice is Shipping.PICKUP:
        if not terms.offers_pickup:
            raise CartError("this co-op does not offer pickup")
        return 0
    if terms.free_above is not None and subtotal >= terms.free_above:
        return 0
    return terms.flat_fee


def group(
    lines: list[Line], terms: dict[int, ShippingTerms], choices: dict[int, Shipping]
) -> list[CoopGroup]:
    """Lines per co-op (in order of first appearance) with subtotal and shipping."""
    if not lines:
        raise CartError("the cart is empty")
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise CartError("one order is paid in one currency: " + ", ".join(sorted(currencies)))
    by_coop: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_coop[line.coop_id].append(line)
    groups = []
    for coop_id, coop_lines in by_coop.items():
        subtotal = sum(line.total for line in coop_lines)
        choice = choices.get(coop_id, Shipping.DELIVERY)
        fee = shipping_fee(subtotal, terms[coop_id], choice)
        groups.append(CoopGroup(coop_id, tuple(coop_lines), subtotal, fee))
    if sum(g.total for g in groups) > MAX_AMOUNT:
        raise CartError("the order is too large to be paid at once")
    return groups


def vat_included(gross: int, rate_bp: int) -> int:
    """The VAT contained in a gross amount, rounded half up to the minor unit."""
    if rate_bp <= 0:
        return 0
    return (gross * rate_bp * 2 + (10000 + rate_bp)) // (2 * (10000 + rate_bp))


def vat_by_rate(lines: list[Line]) -> dict[int, tuple[int, int]]:
    """Rate -> (gross, VAT contained), rounding once per rate as a receipt shows it."""
    gross: dict[int, int] = defaultdict(int)
    for line in lines:
        gross[line.vat_rate_bp] += line.total
    return {rate: (amount, vat_included(amount, rate)) for rate, amount in sorted(gross.items())}


@dataclass(frozen=True)
class Change:
    """What changed on a line since the buyer filled the cart."""

    listing_id: int
    #: "price", "unavailable" or "quantity" (less is left than wanted)
    kind: str
    before: int
    now: int


def changes(
    seen: dict[int, tuple[int, int]], current: dict[int, tuple[int | None, int | None]]
) -> list[Change]:
    """Compare (price, quantity) the buyer saw with (price, available) now, per listing.

    `current` maps a listing to (price, units available; None = on request), or
    (None, None) when it can no longer be bought at all.
    """
    found = []
    for listing_id, (price, quantity) in seen.items():
        now_price, available = current.get(listing_id, (None, None))
        if now_price is None:
            found.append(Change(listing_id, "unavailable", quantity, 0))
            continue
        if now_price != price:
            found.append(Change(listing_id, "price", price, now_price))
        if available is not None and available < quantity:
            kind = "unavailable" if available == 0 else "quantity"
            found.append(Change(listing_id, kind, quantity, available))
    return found
