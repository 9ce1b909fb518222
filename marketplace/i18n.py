"""Languages: choosing the locale, and formatting money for it."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
    get_translations,
    lazy_gettext,
)
from flask_login import current_user

from .domain.money import Money, vat_percent
from .extensions import babel


def select_locale() -> str:
    """The visitor's chosen language, else their account's, else their browser's.

    Outside a request (the CLI, a background job) the default language.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    return (
        request.accept_languages.best_match(list(languages))
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def money(value: Money) -> str:
    """A price for the current locale: "€12.50", "12,50 €", "125,00 kr"."""
    return format_currency(value.to_decimal(), value.currency)


def money_of(amount: int, currency: str) -> str:
    """An amount in minor units (cents), formatted like `money`."""
    return money(Money(amount, currency))


def places(ships_to: str) -> str:
    """Where a listing ships, as names: "DE AT" -> "Germany, Austria"; "" -> ""."""
    territories = get_locale().territories
    named = {"EU": str(lazy_gettext("European Union")), "WORLD": str(lazy_gettext("Worldwide"))}
    codes = ships_to.split()
    return ", ".join(named.get(code) or territories.get(code, code) for code in codes)


def percent(rate_bp: int) -> str:
    """A VAT rate in basis points as "19 %" for the current locale."""
    return format_decimal(vat_percent(rate_bp)) + "\u00a0%"


#: Display names of enum values, so templates never show raw codes.
ENUM_LABELS = {
    "good": lazy_gettext("Product"),
    "service": lazy_gettext("Service"),
    "new": lazy_gettext("New"),
    "used": lazy_gettext("Used"),
    "refurbished": lazy_gettext("Refurbished"),
    "draft": lazy_gettext("Draft"),
    "active": lazy_gettext("Active"),
    "paused": lazy_gettext("Paused"),
    "archived": lazy_gettext("Archived"),
    "applied": lazy_gettext("Applied"),
    "admitted": lazy_gettext("Admitted"),
    "suspended": lazy_gettext("Suspended"),
    "declined": lazy_gettext("Declined"),
    "member": lazy_gettext("Member"),
    "admin": lazy_gettext("Admin"),
    # orders
    "open": lazy_gettext("Open"),
    "placed": lazy_gettext("Placed"),
    "accepted": lazy_gettext("Accepted"),
    "shipped": lazy_gettext("Shipped"),
    "delivered": lazy_gettext("Delivered"),
    "cancelled": lazy_gettext("Cancelled"),
    "expired": lazy_gettext("Expired"),
    "pending": lazy_gettext("Awaiting payment"),
    "paid": lazy_gettext("Paid"),
    "delivery": lazy_gettext("Delivery"),
    "pickup": lazy_gettext("Pickup"),
    "bank_transfer": lazy_gettext("Bank transfer"),
    "stripe": lazy_gettext("Card or wallet (Stripe)"),
    "positive": lazy_gettext("Positive"),
    "neutral": lazy_gettext("Neutral"),
    "negative": lazy_gettext("Negative"),
}


def enum_label(value: object) -> str:
    return str(ENUM_LABELS.get(str(value), str(value)))


def _translations() -> Any:
    """This request's catalog, looked up once: templates translate a hundred strings a page.

    Kept with the locale it is for, so `flask_babel.force_locale` still switches it.
    """
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    cached = g.get("_translations")
    if cached is None or locale is None or cached[0] is not locale:
        translations = get_translations()
        cached = g._translations = (g._flask_babel.babel_locale, translations)
    return cached[1]


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["percent"] = percent
    app.jinja_env.filters["enum_label"] = enum_label
    app.jinja_env.filters["places"] = places
    app.jinja_env.globals["current_locale"] = lambda: str(get_locale() or "en")
    app.jinja_env.globals["format_date"] = format_date
    app.jinja_env.globals["format_datetime"] = format_datetime
