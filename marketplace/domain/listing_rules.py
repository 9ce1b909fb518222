"""What makes a listing valid, and how its status may change. Pure functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from .messages import N_, FieldError
from .money import CURRENCY_EXPONENTS, MAX_AMOUNT, MoneyError, parse_major

KINDS = ("good", "service")
CONDITIONS = ("new", "used", "refurbished")
LANGUAGES = ("en", "de", "sv")
MAX_TITLE = 200
MIN_TITLE = 3
MAX_DESCRIPTION = 10_000
MAX_SKU = 64
MAX_REGION = 120
MAX_STOCK = 1_000_000
SKU_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
COUNTRY_PATTERN = re.compile(r"^[A-Z]{2}$")
#: every field a listing has, in the order forms, CSV and API use
FIELDS = (
    "sku",
    "title",
    "description",
    "kind",
    "category",
    "price",
    "currency",
    "vat_rate",
    "stock",
    "capacity",
    "condition",
    "region",
    "ships_to",
    "language",
)


class ListingAction(StrEnum):
    PUBLISH = "publish"
    PAUSE = "pause"
    ARCHIVE = "archive"
    RESTORE = "restore"  #: archived -> draft, to edit and publish again


#: (current status, action) -> new status; anything else is refused
TRANSITIONS: dict[tuple[str, ListingAction], str] = {
    ("draft", ListingAction.PUBLISH): "active",
    ("paused", ListingAction.PUBLISH): "active",
    ("active", ListingAction.PAUSE): "paused",
    ("draft", ListingAction.ARCHIVE): "archived",
    ("active", ListingAction.ARCHIVE): "archived",
    ("paused", ListingAction.ARCHIVE): "archived",
    ("archived", ListingAction.RESTORE): "draft",
}


class TransitionRefused(ValueError):
    """The listing cannot go from its status by that action."""


def next_status(status: str, action: ListingAction) -> str:
    """The status a listing moves to, or TransitionRefused."""
    try:
        return TRANSITIONS[(status, ListingAction(action))]
    except (KeyError, ValueError):
        raise TransitionRefused(f"cannot {action} a listing that is {status}") from None


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise TypeError
    return raw.strip()


def _integer(raw: Any) -> int | None:
    """An integer from an int or a string of digits; None for empty."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool | float):
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise ValueError


def parse_vat_rate(raw: Any) -> int:
    """A VAT rate typed as percent ("19", "5.5", "7,0") or given as basis points (int)."""
    if isinstance(raw, bool) or raw is None:
        raise ValueError
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            value = Decimal(raw.strip().rstrip("%").strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError from None
        if not value.is_finite():
            raise ValueError
        basis_points = value * 100
        if basis_points != basis_points.to_integral_value():
            raise ValueError
        return int(basis_points)
    raise ValueError


def clean_listing(raw: Mapping[str, Any]) -> tuple[dict, list[FieldError]]:
    """Check raw listing fields (from a form, a CSV row or the API) and convert them.

    `price` is in major units as typed ("12.50"); `price_amount` (int, minor units)
    may be given instead. `vat_rate` is in percent as typed, or `vat_rate_bp` as an int.
    Updates pass the current values overlaid with the changes, so every rule sees
    the whole listing. Returns the cleaned values (model field names) and the errors.
    """
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []

    def fail(name: str, template: str, **params: object) -> None:
        errors.append(FieldError(name, template, params))

    def text_field(name: str, limit: int, required: bool = False, minimum: int = 0) -> None:
        try:
            value = _text(raw.get(name))
        except TypeError:
            fail(name, N_("must be text"))
            return
        if required and not value:
            fail(name, N_("is required"))
        elif len(value) > limit:
            fail(
                name,
                N_("must be at most %(limit)d characters (it has %(length)d)"),
                limit=limit,
                length=len(value),
            )
        elif value and len(value) < minimum:
            fail(name, N_("must be at least %(limit)d characters"), limit=minimum)
        else:
            clean[name] = value

    def choice(name: str, options: tuple[str, ...], default: str | None = None) -> None:
        value = raw.get(name)
        if (value is None or value == "") and default is not None:
            clean[name] = default
            return
        if not isinstance(value, str) or value.strip().lower() not in options:
            fail(name, N_("must be one of: %(options)s"), options=", ".join(options))
        else:
            clean[name] = value.strip().lower()

    text_field("title", MAX_TITLE, required=True, minimum=MIN_TITLE)
    text_field("description", MAX_DESCRIPTION)
    text_field("region", MAX_REGION)
    choice("kind", KINDS)
    choice("condition", CONDITIONS, default="new")
    choice("language", LANGUAGES, default="en")

    text_field("sku", MAX_SKU)
    if clean.get("sku") and not SKU_PATTERN.match(clean["sku"]):
        fail("sku", N_("may contain only letters, digits and . _ / -"))
    elif "sku" in clean:
        clean["sku"] = clean["sku"] or None
    text_field("category", 80, required=True)

    currency = raw.get("currency")
    if not isinstance(currency, str) or currency.strip().upper() not in CURRENCY_EXPONENTS:
        fail(
            "currency",
            N_("must be one of: %(options)s"),
            options=", ".join(sorted(CURRENCY_EXPONENTS)),
        )
        currency = None
    else:
        currency = clean["currency"] = currency.strip().upper()

    _clean_price(raw, currency, fail, clean)
    _clean_vat(raw, fail, clean)
    _clean_quantities(raw, clean.get("kind"), fail, clean, errors)
    _clean_ships_to(raw, fail, clean)
    return clean, errors


def _clean_price(raw, currency, fail, clean) -> None:  # noqa: ANN001
    if "price_amount" in raw:
        try:
            amount = _integer(raw["price_amount"])
        except ValueError:
            fail("price", N_("must be a whole number of minor units (cents)"))
            return
    else:
        value = raw.get("price")
        if value is None or (isinstance(value, str) and not value.strip()):
            fail("price", N_("is required"))
            return
        if currency is None:
            return  # the currency's own error says what to fix
        if not isinstance(value, str | int) or isinstance(value, bool):
            fail(
                "price", N_("is not a price in %(currency)s (for example 12.50)"), currency=currency
            )
            return
        try:
            amount = parse_major(str(value), currency)
        except MoneyError:
            fail(
                "price", N_("is not a price in %(currency)s (for example 12.50)"), currency=currency
            )
            return
    if amount is None:
        fail("price", N_("is required"))
    elif amount <= 0:
        fail("price", N_("must be more than zero"))
    elif amount > MAX_AMOUNT:
        fail("price", N_("is too large"))
    else:
        clean["price_amount"] = amount


def _clean_vat(raw, fail, clean) -> None:  # noqa: ANN001
    name = "vat_rate_bp" if "vat_rate_bp" in raw else "vat_rate"
    try:
        rate = parse_vat_rate(raw.get(name))
    except ValueError:
        fail("vat_rate", N_("must be a percentage such as 19 or 5.5"))
        return
    if not 0 <= rate <= 10_000:
        fail("vat_rate", N_("must be between 0 and 100 percent"))
    else:
        clean["vat_rate_bp"] = rate


def _clean_quantities(raw, kind, fail, clean, errors) -> None:  # noqa: ANN001
    for name in ("stock", "capacity"):
        try:
            value = _integer(raw.get(name))
        except ValueError:
            fail(name, N_("must be a whole number"))
            continue
        if value is not None and not 0 <= value <= MAX_STOCK:
            fail(name, N_("must be between 0 and %(limit)d"), limit=MAX_STOCK)
            continue
        clean[name] = value
    if kind == "good":
        clean["capacity"] = None
        if clean.get("stock") is None and not any(e.field == "stock" for e in errors):
            fail("stock", N_("is required for goods (0 if sold out)"))
    elif kind == "service":
        clean["stock"] = None


def _clean_ships_to(raw, fail, clean) -> None:  # noqa: ANN001
    value = raw.get("ships_to")
    if value is None:
        value = ""
    if not isinstance(value, str):
        fail("ships_to", N_("must be text"))
        return
    codes = value.replace(",", " ").upper().split()
    bad = [c for c in codes if c not in ("EU", "WORLD") and not COUNTRY_PATTERN.match(c)]
    if bad:
        fail(
            "ships_to",
            N_("must be country codes such as DE SE, or EU, or WORLD (not %(bad)s)"),
            bad=", ".join(bad[:3]),
        )
    elif len(" ".join(codes)) > 200:
        fail("ships_to", N_("is too long"))
    else:
        clean["ships_to"] = " ".join(dict.fromkeys(codes))
