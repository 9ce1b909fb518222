from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.domain.money import CURRENCY_EXPONENTS, Money, MoneyError, parse_major, vat_percent


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [
        (1250, "EUR", Decimal("12.50")),
        (1, "SEK", Decimal("0.01")),
        (500, "JPY", Decimal("500")),
        (0, "GBP", Decimal("0.00")),
    ],
)
def test_minor_units_convert_exactly_for_display(amount, currency, shown):
    assert Money(amount, currency).to_decimal() == shown


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.50", "EUR", 1250),
        ("12,50", "EUR", 1250),
        (" 7 ", "SEK", 700),
        ("1 000", "ISK", 1000),
        ("0.1", "GBP", 10),
    ],
)
def test_typed_prices_parse_to_minor_units(text, currency, minor):
    assert parse_major(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("12.505", "EUR"), ("1.5", "JPY"), ("abc", "EUR"), ("NaN", "EUR"), ("5", "XXX")],
)
def test_prices_that_cannot_be_exact_are_refused(text, currency):
    with pytest.raises(MoneyError):
        parse_major(text, currency)


def test_money_refuses_floats_and_unknown_currencies():
    with pytest.raises(MoneyError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(True, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(100, "ABC")


def test_money_of_different_currencies_cannot_be_added():
    with pytest.raises(MoneyError):
        Money(100, "EUR") + Money(100, "SEK")


@given(
    st.sampled_from(sorted(CURRENCY_EXPONENTS)),
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=20),
)
def test_sums_of_money_equal_sums_of_minor_units(currency, amounts):
    total = Money(0, currency)
    for amount in amounts:
        total = total + Money(amount, currency)
    assert total.amount == sum(amounts)


@given(st.sampled_from(sorted(CURRENCY_EXPONENTS)), st.integers(min_value=0, max_value=10**12))
def test_display_round_trips_to_the_same_minor_units(currency, amount):
    shown = str(Money(amount, currency).to_decimal())
    assert parse_major(shown, currency) == amount


def test_vat_rates_in_basis_points_read_as_percent():
    assert vat_percent(1900) == Decimal("19")
    assert vat_percent(550) == Decimal("5.5")
    assert vat_percent(0) == Decimal("0")
