"""The federation fee on one co-op order: rates, rounding, minimum, maximum."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.domain.fees import NO_FEE, FeeRule, coop_order_fee

SIX = FeeRule(basis_points=600, fair_basis_points=300)


@pytest.mark.parametrize(
    ("lines", "shipping", "rule", "fee"),
    [
        ([(10000, 600)], 0, SIX, 600),  # 6 % of 100.00
        ([(10000, 300)], 0, SIX, 300),  # the fair rate
        ([(10000, 600), (10000, 300)], 490, SIX, 900),  # shipping is not charged
        ([(25, 600)], 0, SIX, 2),  # 1.5 rounds half up to 2
        ([(24, 600)], 0, SIX, 1),  # 1.44 rounds down
        ([(8, 600), (9, 600)], 0, SIX, 1),  # rounded once: 1.02, not 0 + 1
        ([(100, 600)], 0, FeeRule(600, minimum=50), 50),  # the minimum
        ([(10**6, 600)], 0, FeeRule(600, maximum=1000), 1000),  # the maximum
        ([(30, 600)], 10, FeeRule(600, minimum=100), 40),  # never above the co-op order's total
        ([(10000, NO_FEE.rate(fair=False))], 0, NO_FEE, 0),  # no policy adopted yet
    ],
)
def test_coop_order_fee(lines, shipping, rule, fee):
    assert coop_order_fee([(total, rate) for total, rate in lines], shipping, rule) == fee


def test_a_fair_rate_above_the_normal_rate_is_not_applied():
    assert FeeRule(basis_points=300, fair_basis_points=600).rate(fair=True) == 300
    assert SIX.rate(fair=True) == 300
    assert SIX.rate(fair=False) == 600
    assert FeeRule(basis_points=600).rate(fair=True) == 600


@pytest.mark.parametrize("lines", [[(-1, 600)], [(100, 10001)], [(100, -1)]])
def test_bad_amounts_and_rates_are_refused(lines):
    with pytest.raises(ValueError):
        coop_order_fee(lines, 0, SIX)


@given(
    st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10000)), max_size=20),
    st.integers(0, 10**6),
    st.one_of(st.none(), st.integers(0, 10**6)),
    st.one_of(st.none(), st.integers(0, 10**7)),
)
def test_the_fee_is_never_negative_nor_above_the_total(lines, shipping, minimum, maximum):
    fee = coop_order_fee(lines, shipping, FeeRule(600, 300, minimum, maximum))
    assert 0 <= fee <= sum(total for total, _ in lines) + shipping
