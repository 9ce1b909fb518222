"""What the checkout pages say: each change since the buyer looked, VAT per rate."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from ...domain import cart as rules
from ...domain.cart import Change
from ...i18n import money_of
from ...services import carts, catalog


@dataclass(frozen=True)
class ChangeRow:
    title: str
    #: "up", "down", "gone" or "other": how the page marks it
    tone: str
    text: str


def describe_changes(changes: list[Change], summary: carts.CartSummary) -> list[ChangeRow]:
    """One sentence per change, named by the offer's title, in the buyer's language."""
    lines = {line.listing.id: line for group in summary.groups for line in group.lines}
    currency = summary.currency or "EUR"
    rows = []
    for change in changes:
        line = lines.get(change.listing_id)
        title = line.listing.title if line is not None else _title(change.listing_id)
        rows.append(ChangeRow(title, *_sentence(change, line, currency)))
    return rows


def _title(listing_id: int) -> str:
    """An offer no longer in the cart: its title if it still exists."""
    try:
        return catalog.listing_for_viewer(listing_id, lambda coop: True).title
    except catalog.NotFound:
        return _("An offer that no longer exists")


def _sentence(change: Change, line: carts.LineSummary | None, currency: str) -> tuple[str, str]:
    before, now = change.before, change.now
    if change.kind == "price":
        values = {"before": money_of(before, currency), "now": money_of(now, currency)}
        if now > before:
            return "up", _("Price up: was %(before)s, now %(now)s.", **values)
        return "down", _("Price down: was %(before)s, now %(now)s.", **values)
    if change.kind == "quantity":
        return "gone", _("Only %(now)d left; you wanted %(before)d.", now=now, before=before)
    if change.kind == "unavailable":
        if line is not None and carts.purchasable(line.listing):
            return "gone", _("Sold out.")
        return "gone", _("No longer offered.")
    if change.kind == "added":
        return "other", _("Added to your cart since you reviewed the order (%(now)d).", now=now)
    if change.kind == "removed":
        return "other", _("Removed from your cart since you reviewed the order.")
    if change.kind == "quantity_edited":
        return "other", _("Quantity changed from %(before)d to %(now)d.", before=before, now=now)
    return "other", _("Changed since you reviewed the order.")


def vat_by_rate(summary: carts.CartSummary) -> dict[int, tuple[int, int]]:
    """VAT rate -> (gross, VAT contained) of the lines, as the receipt will show it."""
    lines = [
        rules.Line(
            line.listing.id,
            group.coop.id,
            line.unit_price,
            line.quantity,
            summary.currency or "",
            line.listing.vat_rate_bp,
        )
        for group in summary.groups
        for line in group.lines
    ]
    return rules.vat_by_rate(lines) if lines else {}
