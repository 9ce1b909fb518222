"""Co-op lookups for the people who run them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from ..domain.bank import normalise_iban, valid_bic, valid_iban
from ..domain.messages import N_, FieldError
from ..domain.money import MAX_AMOUNT, Money, MoneyError, parse_major
from ..extensions import db
from ..models import Coop, CoopStatus, Listing, User

log = logging.getLogger(__name__)


class CoopNotFound(LookupError):
    pass


def coop_by_slug(slug: str) -> Coop:
    coop = db.session.scalar(select(Coop).where(Coop.slug == slug))
    if coop is None:
        raise CoopNotFound(slug)
    return coop


def coops_of(user: User) -> list[Coop]:
    """The co-ops the user belongs to, by name."""
    return sorted((m.coop for m in user.memberships), key=lambda coop: coop.name)


def coop_listings_all(coop: Coop) -> list[Listing]:
    """Every listing of the co-op, drafts and archived ones included."""
    return list(
        db.session.scalars(
            select(Listing).where(Listing.coop_id == coop.id).order_by(Listing.updated_at.desc())
        )
    )


def federation_overview() -> dict[str, object]:
    """Counts for the federation admin's front page."""
    by_status = dict(
        db.session.execute(select(Coop.status, func.count()).group_by(Coop.status)).tuples().all()
    )
    return {
        "coops": list(db.session.scalars(select(Coop).order_by(Coop.status, Coop.name))),
        "by_status": {status: by_status.get(status, 0) for status in CoopStatus},
        "users": db.session.scalar(select(func.count()).select_from(User)),
        "listings": db.session.scalar(select(func.count()).select_from(Listing)),
    }


class SettingsInvalid(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field} {e.message}" for e in errors))
        self.errors = errors


def settings_values(coop: Coop) -> dict[str, object]:
    """The co-op's editable settings as typed in the form (prices in major units)."""

    def major(amount: int | None) -> str:
        return "" if amount is None else str(Money(amount, coop.currency).to_decimal())

    return {
        "description": coop.description,
        "region": coop.region,
        "website": coop.website or "",
        "shipping_flat_fee": major(coop.shipping_flat_fee),
        "shipping_free_above": major(coop.shipping_free_above),
        "offers_pickup": coop.offers_pickup,
        "pickup_address": coop.pickup_address or "",
        "bank_account_holder": coop.bank_account_holder or "",
        "bank_iban": coop.bank_iban or "",
        "bank_bic": coop.bank_bic or "",
    }


def _bank_details(raw: Mapping[str, Any], values: dict[str, Any]) -> list[FieldError]:
    """The account bank payouts go to: all three given and valid, or none at all."""
    holder = " ".join(str(raw.get("bank_account_holder") or "").split())
    iban = normalise_iban(str(raw.get("bank_iban") or ""))
    bic = "".join(str(raw.get("bank_bic") or "").split()).upper()
    errors: list[FieldError] = []
    if len(holder) > 140:
        errors.append(
            FieldError(
                "bank_account_holder", N_("must be at most %(limit)d characters"), {"limit": 140}
            )
        )
    if iban and not valid_iban(iban):
        errors.append(FieldError("bank_iban", N_("is not a valid IBAN (check the digits)")))
    if bic and not valid_bic(bic):
        errors.append(FieldError("bank_bic", N_("is not a valid BIC (8 or 11 letters and digits)")))
    if (holder or iban or bic) and not (holder and iban):
        errors.append(FieldError("bank_iban", N_("give the account holder and the IBAN together")))
    values["bank_account_holder"] = holder or None
    values["bank_iban"] = iban or None
    values["bank_bic"] = bic or None
    return errors


def update_settings(coop: Coop, raw: Mapping[str, Any], by: User) -> Coop:
    """Change the co-op's public profile, shipping rules and the account it is paid to."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name, limit in (
        ("description", 5000),
        ("region", 120),
        ("website", 300),
        ("pickup_address", 300),
    ):
        text = str(raw.get(name) or "").strip()
        if len(text) > limit:
            errors.append(
                FieldError(name, N_("must be at most %(limit)d characters"), {"limit": limit})
            )
        values[name] = text
    if values["website"] and not values["website"].startswith(("https://", "http://")):
        errors.append(FieldError("website", N_("must start with https://")))
    for name in ("shipping_flat_fee", "shipping_free_above"):
        text = str(raw.get(name) or "").strip()
        if not text:
            values[name] = 0 if name == "shipping_flat_fee" else None
            continue
        try:
            amount = parse_major(text, coop.currency)
        except MoneyError:
            errors.append(
                FieldError(
                    name, N_("is not an amount in %(currency)s"), {"currency": coop.currency}
                )
            )
            continue
        if not 0 <= amount <= MAX_AMOUNT:
            errors.append(FieldError(name, N_("must be zero or more")))
        values[name] = amount
    values["offers_pickup"] = bool(raw.get("offers_pickup"))
    if values["offers_pickup"] and not values["pickup_address"]:
        errors.append(FieldError("pickup_address", N_("is required when buyers may collect")))
    errors += _bank_details(raw, values)
    if errors:
        raise SettingsInvalid(errors)
    values["website"] = values["website"] or None
    values["pickup_address"] = values["pickup_address"] or None
    for name, value in values.items():
        setattr(coop, name, value)
    db.session.commit()
    log.info("user %s changed the settings of co-op %s", by.id, coop.slug)
    return coop
