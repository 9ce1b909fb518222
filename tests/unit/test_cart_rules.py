"""Cart rules: quantities, grouping per co-op, shipping, VAT per rate, what changed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.domain.cart import (
    MAX_QUANTITY,
    CartError,
    Change,
    Line,
    Shipping,
    ShippingTerms,
    changes,
    check_quantity,
    group,
    shipping_fee,
    vat_by_rate,
    vat_included,
)

FLAT = ShippingTerms(flat_fee=490, free_above=5000, offers_pickup=True)
NO_PICKUP = ShippingTerms(flat_fee=300, free_above=None, offers_pickup=False)


def line(listing_id=1, coop_id=1, price=1000, quantity=1, currency="EUR", rate=1900):
    return Line(listing_id, coop_id, price, quantity, currency, rate)


@pytest.mark.parametrize(
    ("quantity", "available", "message"),
    [(0, None, "at least 1"), (MAX_QUANTITY + 1, None, "at most"), (3, 2, "only 2 available")],
)
def test_a_quantity_outside_what_may_be_bought_is_refused(quantity, available, message):
    with pytest.raises(CartError, match=message):
        check_quantity(quantity, available)


def test_a_quantity_on_request_has_no_stock_limit():
    check_quantity(50, None)
    check_quantity(2, 2)


@pytest.mark.parametrize(
    ("subtotal", "terms", "choice", "fee"),
    [
        (1000, FLAT, Shipping.DELIVERY, 490),
        (4999, FLAT, Shipping.DELIVERY, 490),
        (5000, FLAT, Shipping.DELIVERY, 0),
        (1000, FLAT, Shipping.PICKUP, 0),
        (90000, NO_PICKUP, Shipping.DELIVERY, 300),
    ],
)
def test_shipping_is_flat_free_from_the_threshold_and_nothing_for_pickup(
    subtotal, terms, choice, fee
):
    assert shipping_fee(subtotal, terms, choice) == fee


def test_pickup_from_a_coop_that_does_not_offer_it_is_refused():
    with pytest.raises(CartError, match="pickup"):
        shipping_fee(1000, NO_PICKUP, Shipping.PICKUP)


def test_lines_are_grouped_per_coop_with_subtotal_and_shipping():
    lines = [line(1, 1, 1200, 2), line(2, 2, 700), line(3, 1, 3000)]
    groups = group(lines, {1: FLAT, 2: NO_PICKUP}, {2: Shipping.DELIVERY})
    assert [(g.coop_id, g.subtotal, g.shipping) for g in groups] == [(1, 5400, 0), (2, 700, 300)]
    assert [x.listing_id for x in groups[0].lines] == [1, 3]


def test_an_empty_cart_or_mixed_currencies_cannot_be_one_order():
    with pytest.raises(CartError, match="empty"):
        group([], {}, {})
    with pytest.raises(CartError, match="EUR, SEK"):
        group([line(currency="EUR"), line(2, currency="SEK")], {1: FLAT}, {})


@pytest.mark.parametrize(
    ("gross", "rate", "vat"),
    [(11900, 1900, 1900), (10700, 700, 700), (1000, 1900, 160), (1000, 0, 0), (1, 2500, 0)],
)
def test_vat_contained_in_a_gross_price(gross, rate, vat):
    assert vat_included(gross, rate) == vat


def test_vat_is_rounded_once_per_rate_as_a_receipt_shows_it():
    lines = [line(1, price=333, quantity=3), line(2, price=1070, rate=700), line(3, price=1)]
    assert vat_by_rate(lines) == {700: (1070, 70), 1900: (1000, 160)}


@given(
    st.lists(
        st.tuples(st.integers(1, 100_000), st.integers(1, 20), st.sampled_from([0, 700, 1900])),
        min_size=1,
        max_size=20,
    )
)
def test_vat_never_exceeds_the_gross_and_the_gross_adds_up(items):
    lines = [line(i, price=p, quantity=q, rate=r) for i, (p, q, r) in enumerate(items)]
    breakdown = vat_by_rate(lines)
    assert sum(g for g, _ in breakdown.values()) == sum(x.total for x in lines)
    assert all(0 <= vat <= gross for gross, vat in breakdown.values())


@given(
    st.lists(st.tuples(st.integers(1, 5), st.integers(1, 50_000), st.integers(1, 9)), min_size=1)
)
def test_group_totals_add_up_to_the_lines_plus_shipping(items):
    lines = [line(i, coop, price, quantity) for i, (coop, price, quantity) in enumerate(items)]
    groups = group(lines, dict.fromkeys(range(1, 6), FLAT), {})
    assert sum(g.subtotal for g in groups) == sum(x.total for x in lines)
    assert all(g.shipping in (0, FLAT.flat_fee) for g in groups)


def test_the_buyer_sees_exactly_what_changed_since_filling_the_cart():
    seen = {1: (1000, 2), 2: (500, 1), 3: (800, 4), 4: (900, 1), 5: (100, 1)}
    current = {1: (1100, 10), 2: (500, None), 3: (800, 2), 4: (900, 0)}
    assert changes(seen, current) == [
        Change(1, "price", 1000, 1100),
        Change(3, "quantity", 4, 2),
        Change(4, "unavailable", 1, 0),
        Change(5, "unavailable", 1, 0),
    ]
