"""Money in integer minor units, with the currency's exponent.

No floats anywhere money flows: an amount is an `int` of the currency's minor
unit (cents, öre) and converts to `Decimal` only for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: ISO 4217 minor-unit exponents for the currencies the marketplace accepts.
CURRENCY_EXPONENTS: dict[str, int] = {
    "EUR": 2,
    "GBP": 2,
    "SEK": 2,
    "DKK": 2,
    "NOK": 2,
    "CHF": 2,
    "PLN": 2,
    "CZK": 2,
    "USD": 2,
    "ISK": 0,
    "JPY": 0,
    "KRW": 0,
}

#: Largest price a single listing may carry, in minor units (keeps sums in 64 bits).
MAX_AMOUNT = 100_000_000_00


class MoneyError(ValueError):
    """An amount or currency the marketplace cannot accept."""


def exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency, in its minor unit."""

    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("amount must be an integer number of minor units")
        exponent(self.currency)

    def to_decimal(self) -> Decimal:
        """The amount in major units, exact (for display only)."""
        return Decimal(self.amount).scaleb(-exponent(self.currency))

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise MoneyError(f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int):
            raise MoneyError("quantity must be an integer")
        return Money(self.amount * quantity, self.currency)


def parse_major(text: str, currency: str) -> int:
    """Parse a price typed in major units ("12.50", "12,50") into minor units, exactly."""
    digits = exponent(currency)
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except ArithmeticError:
        raise MoneyError(f"{text!r} is not a price") from None
    if not value.is_finite():
        raise MoneyError(f"{text!r} is not a price")
    minor = value.scaleb(digits)
    if minor != minor.to_integral_value():
        raise MoneyError(f"{currency} has {digits} decimal places; {text!r} has more")
    return int(minor)


def vat_percent(rate_bp: int) -> Decimal:
    """A VAT rate stored in basis points (1900) as a percentage (19)."""
    return Decimal(rate_bp).scaleb(-2).normalize()
