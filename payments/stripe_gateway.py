"""Stripe Connect: the buyer pays the federation by card, the co-ops are paid by transfers.

This module holds what needs neither Flask nor the database: the gateway checkout asks
for the hold and the buyer's instructions, the configured `StripeClient`, and the
conversion between our minor units and Stripe's.

Amounts: ours are integers in the currency's ISO 4217 minor unit (domain.money). Stripe
takes the same for nearly every currency, zero-decimal ones included (JPY 500 is 500).
ISK is the exception: ISO gives it no minor unit, but Stripe keeps it a two-decimal
currency for backwards compatibility and only accepts whole krónur, so ISK 500 is sent
as 50000 and every ISK amount read back is divided by 100 (`to_stripe`, `from_stripe`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .gateway import PaymentInstructions

if TYPE_CHECKING:
    from stripe import StripeClient

NAME = "stripe"

#: Stripe amount = our minor units × this, for the currencies where the two differ
_STRIPE_SCALE = {"ISK": 100}


def to_stripe(amount: int, currency: str) -> int:
    """Our minor units as Stripe counts them for `currency`."""
    return amount * _STRIPE_SCALE.get(currency.upper(), 1)


def from_stripe(amount: int, currency: str) -> int:
    """A Stripe amount in our minor units (a fraction Stripe reports is rounded half up)."""
    scale = _STRIPE_SCALE.get(currency.upper(), 1)
    return (amount + scale // 2) // scale if scale > 1 else amount


def stripe_currency(currency: str) -> str:
    """Stripe wants ISO codes in lower case."""
    return currency.lower()


class StripeConnect:
    """Card payments through Stripe's Payment Element on the order page; co-ops paid by
    Stripe Connect transfers from the charge (services.stripe_payments, stripe_payouts)."""

    name = NAME

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._hold = timedelta(hours=int(config.get("STRIPE_HOLD_HOURS") or 1))
        self._publishable_key = str(config.get("STRIPE_PUBLISHABLE_KEY") or "")

    def hold(self) -> timedelta:
        return self._hold

    def instructions(self, reference: str, amount: int, currency: str) -> PaymentInstructions:
        return PaymentInstructions(self.name, {"publishable_key": self._publishable_key})


def enabled(config: Mapping[str, Any]) -> bool:
    """Stripe is offered when its secret key is set."""
    return bool(config.get("STRIPE_SECRET_KEY"))


def stripe_client(config: Mapping[str, Any]) -> StripeClient:
    """A StripeClient for the configured key, API address, retries and timeout; one per
    distinct setting, reused (it keeps its HTTP connections)."""
    return _client(
        str(config["STRIPE_SECRET_KEY"]),
        str(config.get("STRIPE_API_BASE") or "https://api.stripe.com").rstrip("/"),
        int(config.get("STRIPE_MAX_NETWORK_RETRIES") or 0),
        float(config.get("STRIPE_TIMEOUT") or 30),
    )


@lru_cache(maxsize=8)
def _client(api_key: str, base: str, retries: int, timeout: float) -> StripeClient:
    # imported on first use, so that apps without Stripe never load the package
    import stripe

    return stripe.StripeClient(
        api_key,
        base_addresses={"api": base, "connect": base, "files": base},
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
    )
