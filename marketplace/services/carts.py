"""The buyer's cart: kept by cookie for guests, per account once logged in, merged at login.

Quantities are checked against stock (goods) and capacity (services) whenever the
cart changes; prices are re-read every time the cart is shown, and each line keeps
the price the buyer saw so that a change is pointed out before checkout.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain import cart as rules
from ..domain.cart import Change, Shipping, ShippingTerms
from ..extensions import db
from ..models import Cart, CartItem, Coop, Listing, ListingKind, ListingStatus, User

log = logging.getLogger(__name__)

#: the guest cart's cookie: a random token whose SHA-256 finds the cart
CART_COOKIE = "cart"


class CartProblem(ValueError):
    """A change the cart cannot take; the message is for the buyer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ItemNotFound(LookupError):
    """No such line in this cart."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def current_cart(
    user: User | None, guest_token: str | None, *, create: bool
) -> tuple[Cart | None, str | None]:
    """The cart of the account, or of the guest's cookie; a new one if `create`.

    Returns the cart and, when a guest cart was made, the token to put in the cookie.
    """
    if user is not None and getattr(user, "is_authenticated", False):
        cart = db.session.scalar(select(Cart).where(Cart.user_id == user.id))
        if cart is None and create:
            cart = Cart(user_id=user.id)
            db.session.add(cart)
        return cart, None
    if guest_token:
        cart = db.session.scalar(select(Cart).where(Cart.token_hash == _digest(guest_token)))
        if cart is not None or not create:
            return cart, None
    if not create:
        return None, None
    token = secrets.token_urlsafe(24)
    cart = Cart(token_hash=_digest(token))
    db.session.add(cart)
    return cart, token


def purchasable(listing: Listing | None) -> bool:
    """Offered now by an admitted co-op (stock is checked separately)."""
    return (
        listing is not None and listing.status is ListingStatus.ACTIVE and listing.coop.is_admitted
    )


def available(listing: Listing) -> int | None:
    """Units that can be ordered now: stock of a good, capacity of a service (None: no limit)."""
    if listing.kind is ListingKind.GOOD:
        return max(listing.stock or 0, 0)
    return None if listing.capacity is None else max(listing.capacity, 0)


def _check(quantity: int, listing: Listing) -> None:
    try:
        rules.check_quantity(quantity, available(listing))
    except rules.CartError:
        units = available(listing)
        if quantity < 1:
            raise CartProblem(_("The quantity must be at least 1.")) from None
        if units is not None and quantity > units:
            if units == 0:
                raise CartProblem(_("“%(title)s” is sold out.", title=listing.title)) from None
            raise CartProblem(
                _("Only %(count)d of “%(title)s” available.", count=units, title=listing.title)
            ) from None
        raise CartProblem(
            _("At most %(count)d of one offer per order.", count=rules.MAX_QUANTITY)
        ) from None


def add_item(cart: Cart, listing_id: int, quantity: int) -> CartItem:
    """Put `quantity` units of a listing in the cart (added to what is there already)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None or not purchasable(listing):
        raise CartProblem(_("This offer is not available."))
    others = {item.listing.currency for item in cart.items if item.listing_id != listing_id}
    if others and listing.currency not in others:
        raise CartProblem(
            _(
                "Your cart holds offers priced in %(held)s; this one is priced in %(new)s. "
                "One order is paid in one currency: check out or empty your cart first.",
                held=", ".join(sorted(others)),
                new=listing.currency,
            )
        )
    item = next((i for i in cart.items if i.listing_id == listing_id), None)
    total = quantity + (item.quantity if item is not None else 0)
    if quantity < 1:
        raise CartProblem(_("The quantity must be at least 1."))
    _check(total, listing)
    if item is None:
        item = CartItem(listing_id=listing.id, quantity=total, seen_price=listing.price_amount)
        cart.items.append(item)
    else:
        item.quantity = total
        item.seen_price = listing.price_amount
    _commit()
    return item


def _item(cart: Cart, item_id: int) -> CartItem:
    item = next((i for i in cart.items if i.id == item_id), None)
    if item is None:
        raise ItemNotFound(item_id)
    return item


def set_quantity(cart: Cart, item_id: int, quantity: int) -> CartItem | None:
    """Change a line's quantity; 0 removes the line."""
    item = _item(cart, item_id)
    if quantity == 0:
        cart.items.remove(item)
        _commit()
        return None
    if not purchasable(item.listing):
        raise CartProblem(_("This offer is not available any more; remove it from your cart."))
    _check(quantity, item.listing)
    item.quantity = quantity
    _commit()
    return item


def remove_item(cart: Cart, item_id: int) -> None:
    """Take a line out of the cart."""
    cart.items.remove(_item(cart, item_id))
    _commit()


def merge_guest_cart(guest_token: str | None, user: User) -> None:
    """At login: move the guest cart's lines into the account's cart, then drop the guest cart.

    Quantities of a listing in both are added up, held to what is available. Lines in
    another currency are merged too; the cart then names the mix as a problem to solve
    before checkout, so nothing the guest chose is silently lost.
    """
    if not guest_token:
        return
    guest, _token = current_cart(None, guest_token, create=False)
    if guest is None or guest.user_id is not None:
        return
    own, _token = current_cart(user, None, create=False)
    if own is None or not own.items:
        if own is not None:
            db.session.delete(own)
            db.session.flush()
        guest.token_hash = None
        guest.user_id = user.id
        _commit()
        return
    mine = {item.listing_id: item for item in own.items}
    for item in list(guest.items):
        listing = item.listing
        target = mine.get(item.listing_id)
        wanted = item.quantity + (target.quantity if target is not None else 0)
        units = available(listing)
        wanted = min(wanted, rules.MAX_QUANTITY, units if units is not None else wanted)
        if wanted < 1:
            continue
        if target is None:
            own.items.append(
                CartItem(listing_id=item.listing_id, quantity=wanted, seen_price=item.seen_price)
            )
        else:
            target.quantity = wanted
    db.session.delete(guest)
    _commit()
    log.info("guest cart merged into the cart of user %s", user.id)


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise CartProblem(_("Your cart changed at the same time; please try again.")) from None


@dataclass
class LineSummary:
    item: CartItem
    listing: Listing
    unit_price: int
    quantity: int
    total: int
    #: units that can be ordered now; None: no limit
    available: int | None
    #: why this line cannot be checked out as it is (for the buyer), or None
    problem: str | None = None


@dataclass
class GroupSummary:
    coop: Coop
    lines: list[LineSummary]
    subtotal: int
    shipping: int
    shipping_choice: Shipping
    offers_pickup: bool
    flat_fee: int
    free_above: int | None

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


@dataclass
class CartSummary:
    groups: list[GroupSummary] = field(default_factory=list)
    currency: str | None = None
    total: int = 0
    count: int = 0
    problems: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def can_checkout(self) -> bool:
        return (
            bool(self.groups)
            and not self.problems
            and not any(line.problem for group in self.groups for line in group.lines)
        )


def load(cart: Cart) -> list[CartItem]:
    """The cart's lines with their listings and co-ops, in one query."""
    return (
        list(
            db.session.scalars(
                select(CartItem)
                .where(CartItem.cart_id == cart.id)
                .options(
                    joinedload(CartItem.listing).joinedload(Listing.coop),
                    joinedload(CartItem.listing).selectinload(Listing.images),
                )
                .order_by(CartItem.id)
            ).unique()
        )
        if cart.id is not None
        else []
    )


def _line(item: CartItem) -> LineSummary:
    listing = item.listing
    units = available(listing)
    line = LineSummary(
        item,
        listing,
        listing.price_amount,
        item.quantity,
        listing.price_amount * item.quantity,
        units,
    )
    if not purchasable(listing):
        line.problem = _("No longer available: please remove it.")
    elif units is not None and units == 0:
        line.problem = _("Sold out: please remove it.")
    elif units is not None and item.quantity > units:
        line.problem = _("Only %(count)d left: please lower the quantity.", count=units)
    return line


def summarize(cart: Cart | None, choices: dict[int, Shipping] | None = None) -> CartSummary:
    """The cart as the buyer sees it: lines per co-op, shipping, totals, problems, changes."""
    summary = CartSummary()
    if cart is None:
        return summary
    items = load(cart)
    if not items:
        return summary
    choices = choices or {}
    lines = [_line(item) for item in items]
    summary.count = sum(line.quantity for line in lines)
    currencies = sorted({line.listing.currency for line in lines})
    if len(currencies) > 1:
        summary.problems.append(
            _(
                "One order is paid in one currency; your cart holds %(currencies)s. "
                "Remove the offers in the other currency to check out.",
                currencies=", ".join(currencies),
            )
        )
    summary.currency = currencies[0]
    by_coop: dict[int, list[LineSummary]] = {}
    for line in lines:
        by_coop.setdefault(line.listing.coop_id, []).append(line)
    for coop_lines in by_coop.values():
        summary.groups.append(_group(coop_lines, choices, summary))
    summary.total = sum(group.total for group in summary.groups)
    seen = {item.listing_id: (item.seen_price, item.quantity) for item in items}
    now = {
        line.listing.id: (
            (line.unit_price, line.available) if purchasable(line.listing) else (None, None)
        )
        for line in lines
    }
    summary.changes = rules.changes(seen, now)
    return summary


def _group(
    lines: list[LineSummary], choices: dict[int, Shipping], summary: CartSummary
) -> GroupSummary:
    coop = lines[0].listing.coop
    terms = ShippingTerms(coop.shipping_flat_fee, coop.shipping_free_above, coop.offers_pickup)
    choice = choices.get(coop.id, Shipping.DELIVERY)
    if choice is Shipping.PICKUP and not coop.offers_pickup:
        choice = Shipping.DELIVERY
    subtotal = sum(line.total for line in lines)
    shipping = rules.shipping_fee(subtotal, terms, choice)
    if shipping and lines[0].listing.currency != coop.currency:
        summary.problems.append(
            _(
                "%(coop)s charges shipping in %(currency)s only; choose pickup or remove "
                "its offers priced in another currency.",
                coop=coop.name,
                currency=coop.currency,
            )
        )
    return GroupSummary(
        coop,
        lines,
        subtotal,
        shipping,
        choice,
        coop.offers_pickup,
        coop.shipping_flat_fee,
        coop.shipping_free_above,
    )


def mark_seen(cart: Cart) -> None:
    """The buyer has now seen the current prices: remember them (no commit)."""
    for item in cart.items:
        if item.listing is not None:
            item.seen_price = item.listing.price_amount


def item_count(cart: Cart | None) -> int:
    """Units in the cart, for the header badge (one small query)."""
    if cart is None or cart.id is None:
        return 0
    return sum(item.quantity for item in cart.items)


__all__ = [
    "CART_COOKIE",
    "CartProblem",
    "CartSummary",
    "GroupSummary",
    "ItemNotFound",
    "LineSummary",
    "add_item",
    "available",
    "current_cart",
    "item_count",
    "load",
    "mark_seen",
    "merge_guest_cart",
    "purchasable",
    "remove_item",
    "set_quantity",
    "summarize",
]
