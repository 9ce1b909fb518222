"""Splitting money exactly: shares by largest remainder, settlements and refunds.

Table tests pin `split`, `settle`, `refund_effect` and `allocate` to worked examples;
Hypothesis properties check issue 7's point 1 on random carts and random sequences
of partial refunds: the co-op payouts plus the federation fee (plus any processor fee
share the co-ops bear) equal what the buyer paid minus what was refunded, exactly; no
amount is negative; no co-op ever receives money for another co-op's line.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.domain.fees import FeeRule, coop_order_fee
from marketplace.domain.money import Money
from marketplace.domain.split import (
    Settlement,
    SplitError,
    allocate,
    refund_effect,
    settle,
    split,
)

# -- split -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (100, [1, 2, 3, 4], [10, 20, 30, 40]),  # exact: no remainder
        (1, [1, 1], [1, 0]),  # a tie goes to the earlier weight
        (100, [1, 1, 1], [34, 33, 33]),
        (2, [1, 1, 1], [1, 1, 0]),
        (10, [1, 1, 1], [4, 3, 3]),
        (3, [2, 1, 1], [1, 1, 1]),  # the largest remainders win over the earlier index
        (7, [5, 3, 2], [4, 2, 1]),  # 3.5, 2.1, 1.4
        (5, [1, 3], [1, 4]),  # 1.25, 3.75: the later weight has the larger remainder
        (10, [0, 1], [0, 10]),  # a zero weight gets nothing
        (10, [1, 0, 1], [5, 0, 5]),
        (0, [3, 4], [0, 0]),  # nothing to share
        (0, [0, 0], [0, 0]),  # nothing to share by nothing
        (7, [1], [7]),
        (10**12, [1, 1, 1], [333333333334, 333333333333, 333333333333]),
    ],
)
def test_split_shares_the_total_by_largest_remainder(total, weights, shares):
    assert split(total, weights) == shares
    assert sum(shares) == total


@pytest.mark.parametrize(
    ("total", "weights"),
    [
        (-1, [1, 1]),  # a negative total
        (10, [1, -1]),  # a negative weight
        (10, []),  # no share at all
        (0, []),
        (1, [0, 0]),  # all weights zero and something to share
    ],
)
def test_split_refuses_what_cannot_be_shared(total, weights):
    with pytest.raises(SplitError):
        split(total, weights)


def test_split_errors_are_value_errors():
    assert issubclass(SplitError, ValueError)


weights_lists = st.lists(st.integers(0, 10**6), min_size=1, max_size=30)


@given(st.integers(0, 10**12), weights_lists)
def test_split_always_sums_exactly_and_stays_within_one_unit_of_the_exact_share(total, weights):
    if not any(weights):
        weights = [*weights[:-1], 1]
    shares = split(total, weights)
    whole = sum(weights)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    for share, weight in zip(shares, weights, strict=True):
        assert share >= 0
        # |share - total * weight / whole| < 1, in integers
        assert abs(share * whole - total * weight) < whole


@given(st.integers(0, 10**12), weights_lists)
def test_split_is_deterministic_and_orders_shares_like_their_weights(total, weights):
    if not any(weights):
        weights = [*weights[:-1], 1]
    shares = split(total, weights)
    assert split(total, list(weights)) == shares
    for i, (share_i, weight_i) in enumerate(zip(shares, weights, strict=True)):
        for j, (share_j, weight_j) in enumerate(zip(shares, weights, strict=True)):
            if weight_i > weight_j or (weight_i == weight_j and i < j):
                assert share_i >= share_j


@given(st.integers(0, 10**9), st.integers(0, 10**6), st.integers(0, 10**6))
def test_a_two_party_split_never_shrinks_a_share_when_the_total_grows(total, first, second):
    if first == second == 0:
        second = 1
    smaller = split(total, [first, second])
    larger = split(total + 1, [first, second])
    assert larger[0] >= smaller[0]
    assert larger[1] >= smaller[1]


# -- settle ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fee", "processor_fee", "payout"),
    [
        ((10000, 600, 0, 0), 600, 0, 9400),  # nothing refunded: the agreed values
        ((10000, 600, 175, 0), 600, 175, 9225),
        ((10000, 600, 0, 5000), 300, 0, 4700),  # half refunded: half of each
        # 7500 left: the federation's part 581.25 -> 581, then 449.8 -> 450 and 131.2 -> 131
        ((10000, 600, 175, 2500), 450, 131, 6919),
        ((10000, 600, 175, 10000), 0, 0, 0),  # all refunded
        ((10, 1, 0, 5), 1, 0, 4),  # 0.5 rounds towards the fee (the first party)
        ((0, 0, 0, 0), 0, 0, 0),  # an empty co-op order
        ((500, 0, 0, 100), 0, 0, 400),  # no fee policy
        ((500, 500, 0, 0), 500, 0, 0),  # the fee takes all
        ((500, 300, 200, 250), 150, 100, 0),
    ],
)
def test_settle_splits_what_is_left_between_fee_processor_fee_and_payout(
    args, fee, processor_fee, payout
):
    total, agreed_fee, agreed_processor_fee, refunded = args
    settlement = settle(*args)
    assert settlement == Settlement(
        total=total,
        fee=fee,
        processor_fee=processor_fee,
        payout=payout,
        refunded=refunded,
        agreed_fee=agreed_fee,
        agreed_processor_fee=agreed_processor_fee,
    )
    assert settlement.payout + settlement.fee + settlement.processor_fee + refunded == total


@pytest.mark.parametrize(
    "args",
    [
        (-1, 0, 0, 0),
        (100, -1, 0, 0),
        (100, 0, -1, 0),
        (100, 0, 0, -1),
        (100, 60, 41, 0),  # the fees exceed the total
        (100, 101, 0, 0),
        (100, 6, 0, 101),  # more refunded than paid
    ],
)
def test_settle_refuses_impossible_amounts(args):
    with pytest.raises(SplitError):
        settle(*args)


@st.composite
def agreed_co_op_orders(draw, max_total=10**9):
    """(total, fee, processor fee share) as agreed when the order was paid."""
    # small totals too: that is where rounding paradoxes show
    total = draw(st.integers(0, 60) | st.integers(0, max_total))
    fee = draw(st.integers(0, total))
    processor_fee = draw(st.integers(0, total - fee))
    return total, fee, processor_fee


@given(agreed_co_op_orders(), st.data())
def test_a_larger_refund_never_gives_a_larger_fee_payout_or_processor_fee(agreed, data):
    total, fee, processor_fee = agreed
    smaller = data.draw(st.integers(0, total), label="smaller refund")
    larger = data.draw(st.integers(smaller, total), label="larger refund")
    before = settle(total, fee, processor_fee, smaller)
    after = settle(total, fee, processor_fee, larger)
    assert after.fee <= before.fee
    assert after.payout <= before.payout
    assert after.processor_fee <= before.processor_fee


def test_every_part_shrinks_or_stays_with_every_unit_refunded_for_all_small_co_op_orders():
    # exhaustive up to 20 units: a three-party largest remainder would fail here
    # (7 with fee 1 and processor fee 3: 4 left gives [0, 2, 2], 3 left gives [1, 1, 1])
    for total in range(21):
        for agreed_fee in range(total + 1):
            for agreed_processor_fee in range(total - agreed_fee + 1):
                before = settle(total, agreed_fee, agreed_processor_fee, 0)
                for refunded in range(1, total + 1):
                    after = settle(total, agreed_fee, agreed_processor_fee, refunded)
                    assert after.fee <= before.fee
                    assert after.processor_fee <= before.processor_fee
                    assert after.payout <= before.payout
                    before = after


@given(agreed_co_op_orders(), st.data())
def test_each_part_stays_within_one_unit_of_its_exact_share_of_what_is_left(agreed, data):
    total, fee, processor_fee = agreed
    refunded = data.draw(st.integers(0, total), label="refunded")
    settlement = settle(total, fee, processor_fee, refunded)
    left = total - refunded
    assert settlement.payout + settlement.fee + settlement.processor_fee == left
    # |part - left * agreed / total| <= 1, in integers (an empty co-op order has no parts)
    for part, agreed_part in [
        (settlement.fee, fee),
        (settlement.processor_fee, processor_fee),
        (settlement.payout, total - fee - processor_fee),
    ]:
        assert abs(part * total - left * agreed_part) <= total


@given(agreed_co_op_orders(), st.data())
def test_settle_and_refund_effect_are_deterministic(agreed, data):
    total, fee, processor_fee = agreed
    refunded = data.draw(st.integers(0, total), label="refunded")
    assert settle(total, fee, processor_fee, refunded) == settle(
        total, fee, processor_fee, refunded
    )
    before = settle(total, fee, processor_fee, refunded)
    if refunded < total:
        amount = data.draw(st.integers(1, total - refunded), label="amount")
        assert refund_effect(before, amount) == refund_effect(before, amount)


# -- refund_effect -----------------------------------------------------------------------


def test_a_refund_moves_each_part_by_the_difference_of_the_settlements():
    before = settle(10000, 600, 175, 0)
    effect = refund_effect(before, 2500)
    assert effect.amount == 2500
    assert effect.reversal == 9225 - 6919  # out of the co-op's payout
    assert effect.fee_returned == 600 - 450  # the fee's share comes back
    assert effect.processor_fee_released == 175 - 131  # the federation bears it now
    assert effect.reversal + effect.fee_returned + effect.processor_fee_released == 2500
    assert effect.after == settle(10000, 600, 175, 2500)


def test_a_second_partial_refund_starts_from_the_first_refunds_settlement():
    first = refund_effect(settle(10000, 600, 0, 0), 5000)
    second = refund_effect(first.after, 2500)
    assert (first.reversal, first.fee_returned) == (4700, 300)
    assert (second.reversal, second.fee_returned) == (2350, 150)
    assert second.after == settle(10000, 600, 0, 7500)
    assert second.after.refunded == 7500


def test_refunding_everything_returns_the_whole_fee_and_leaves_no_payout():
    effect = refund_effect(settle(10000, 600, 175, 0), 10000)
    assert effect.fee_returned == 600
    assert effect.processor_fee_released == 175
    assert effect.reversal == 9225
    assert effect.after.payout == 0
    assert effect.after.fee == 0
    assert effect.after.processor_fee == 0
    assert effect.after.refunded == 10000


def test_refunding_the_rest_after_partial_refunds_returns_the_rest_of_the_fee():
    first = refund_effect(settle(999, 61, 7, 0), 333)
    rest = refund_effect(first.after, 666)
    assert first.fee_returned + rest.fee_returned == 61
    assert first.processor_fee_released + rest.processor_fee_released == 7
    assert first.reversal + rest.reversal == 999 - 61 - 7
    assert rest.after.payout == rest.after.fee == rest.after.processor_fee == 0


@pytest.mark.parametrize(
    ("before", "amount"),
    [
        (settle(10000, 600, 0, 0), 10001),  # more than was paid
        (settle(10000, 600, 0, 9000), 1001),  # more than is left
        (settle(10000, 600, 0, 10000), 1),  # nothing is left
        (settle(10000, 600, 0, 0), 0),  # a refund of nothing
        (settle(10000, 600, 0, 0), -5),
    ],
)
def test_refund_effect_refuses_over_refunds_and_empty_refunds(before, amount):
    with pytest.raises(SplitError):
        refund_effect(before, amount)


@given(agreed_co_op_orders(), st.lists(st.integers(1, 10**9), max_size=10))
def test_refunds_one_by_one_end_where_settling_their_sum_does(agreed, wishes):
    total, fee, processor_fee = agreed
    settlement = settle(total, fee, processor_fee, 0)
    for wish in wishes:
        left = total - settlement.refunded
        if not left:
            break
        effect = refund_effect(settlement, min(wish, left))
        assert min(effect.reversal, effect.fee_returned, effect.processor_fee_released) >= 0
        assert effect.reversal + effect.fee_returned + effect.processor_fee_released == (
            effect.amount
        )
        settlement = effect.after
    assert settlement == settle(total, fee, processor_fee, settlement.refunded)


# -- allocate ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "totals", "caps", "shares"),
    [
        (300, [10000, 20000], [9400, 18800], [100, 200]),
        (100, [1, 1, 1], [100, 100, 100], [34, 33, 33]),
        (300, [10000, 100], [9400, 0], [297, 0]),  # the cap cuts 3 off: the federation bears it
        (300, [100, 100], [10, 500], [10, 150]),
        (0, [100, 200], [0, 0], [0, 0]),
        (50, [0, 100], [0, 90], [0, 50]),  # an empty co-op order bears nothing
    ],
)
def test_allocate_shares_an_amount_by_totals_held_to_caps(amount, totals, caps, shares):
    assert allocate(amount, totals, caps) == shares


def test_allocate_wants_one_cap_per_share():
    with pytest.raises(SplitError):
        allocate(100, [1, 2], [100])


# -- random carts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    unit_price: int
    quantity: int
    fair: bool

    @property
    def total(self) -> int:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class CoopOrder:
    lines: tuple[Line, ...]
    shipping: int

    @property
    def total(self) -> int:
        return sum(line.total for line in self.lines) + self.shipping


@dataclass(frozen=True)
class PaidOrder:
    coop_orders: tuple[CoopOrder, ...]
    rule: FeeRule
    fees: tuple[int, ...]
    #: what the processor charged for the whole payment
    processor_fee: int
    #: each co-op order's share of it, held to what the co-op order can carry
    processor_fee_shares: tuple[int, ...]

    @property
    def paid(self) -> int:
        return sum(coop_order.total for coop_order in self.coop_orders)


lines = st.builds(Line, st.integers(0, 10**7), st.integers(1, 20), st.booleans())
coop_orders = st.builds(
    CoopOrder, st.lists(lines, min_size=1, max_size=6).map(tuple), st.integers(0, 2000)
)


@st.composite
def fee_rules(draw):
    basis_points = draw(st.integers(0, 2000))
    return FeeRule(
        basis_points=basis_points,
        fair_basis_points=draw(st.none() | st.integers(0, basis_points)),
        minimum=draw(st.none() | st.integers(0, 10**5)),
        maximum=draw(st.none() | st.integers(0, 10**6)),
    )


@st.composite
def paid_orders(draw):
    """A cart of 1 to 20 co-op orders, paid, with its fees and processor fee shares."""
    cart = tuple(draw(st.lists(coop_orders, min_size=1, max_size=20)))
    rule = draw(fee_rules())
    fees = tuple(
        coop_order_fee(
            [(line.total, rule.rate(line.fair)) for line in coop_order.lines],
            coop_order.shipping,
            rule,
        )
        for coop_order in cart
    )
    totals = [coop_order.total for coop_order in cart]
    paid = sum(totals)
    # a processor charges something like 3 % + 25; a payment of nothing is never made
    processor_fee = draw(st.integers(0, paid * 3 // 100 + 25)) if paid else 0
    caps = [total - fee for total, fee in zip(totals, fees, strict=True)]
    shares = tuple(allocate(processor_fee, totals, caps))
    return PaidOrder(cart, rule, fees, processor_fee, shares)


def initial_settlements(order: PaidOrder) -> list[Settlement]:
    return [
        settle(coop_order.total, fee, share, 0)
        for coop_order, fee, share in zip(
            order.coop_orders, order.fees, order.processor_fee_shares, strict=True
        )
    ]


def assert_books_hold(order: PaidOrder, settlements: list[Settlement]) -> None:
    """The sums the issue asks for, per co-op order and across the order."""
    for coop_order, settlement in zip(order.coop_orders, settlements, strict=True):
        assert settlement.total == coop_order.total
        assert (
            settlement.payout + settlement.fee + settlement.processor_fee + settlement.refunded
            == coop_order.total
        )
        assert min(settlement.payout, settlement.fee, settlement.processor_fee) >= 0
        assert settlement.refunded >= 0
        # a co-op is paid out of its own lines and shipping, never out of another's
        assert settlement.payout <= sum(line.total for line in coop_order.lines) + (
            coop_order.shipping
        )
    refunded = sum(settlement.refunded for settlement in settlements)
    assert (
        sum(settlement.payout for settlement in settlements)
        + sum(settlement.fee for settlement in settlements)
        + sum(settlement.processor_fee for settlement in settlements)
        == order.paid - refunded
    )


def refund_plan_step(data, order: PaidOrder, settlements, units_refunded):
    """One refund a co-op or federation admin could make now: (co-op order, amount)."""
    open_orders = [i for i, s in enumerate(settlements) if s.total - s.refunded > 0]
    if not open_orders:
        return None
    index = data.draw(st.sampled_from(open_orders), label="co-op order")
    left = settlements[index].total - settlements[index].refunded
    refundable = [
        (line_index, line)
        for line_index, line in enumerate(order.coop_orders[index].lines)
        if 0 < line.unit_price <= left and units_refunded[index][line_index] < line.quantity
    ]
    if refundable and data.draw(st.booleans(), label="by lines"):
        line_index, line = data.draw(st.sampled_from(refundable), label="line")
        most = min(line.quantity - units_refunded[index][line_index], left // line.unit_price)
        units = data.draw(st.integers(1, most), label="units")
        units_refunded[index][line_index] += units
        return index, line.unit_price * units
    return index, data.draw(st.integers(1, left), label="amount")


@settings(deadline=None)
@given(paid_orders(), st.data())
def test_payouts_fees_and_refunds_add_up_exactly_through_any_sequence_of_partial_refunds(
    order, data
):
    # what the caps cut off the processor fee, the federation bears
    assert sum(order.processor_fee_shares) <= order.processor_fee
    settlements = initial_settlements(order)
    for coop_order, fee, share, settlement in zip(
        order.coop_orders, order.fees, order.processor_fee_shares, settlements, strict=True
    ):
        assert 0 <= fee <= coop_order.total
        assert 0 <= share <= coop_order.total - fee
        assert settlement.fee == fee
        assert settlement.processor_fee == share
        assert settlement.payout == coop_order.total - fee - share
    assert_books_hold(order, settlements)
    units_refunded = [[0] * len(coop_order.lines) for coop_order in order.coop_orders]
    refunded_total = 0
    for _ in range(data.draw(st.integers(0, 15), label="refunds")):
        step = refund_plan_step(data, order, settlements, units_refunded)
        if step is None:
            break
        index, amount = step
        before = list(settlements)
        effect = refund_effect(settlements[index], amount)
        assert effect.amount == amount
        assert min(effect.reversal, effect.fee_returned, effect.processor_fee_released) >= 0
        assert effect.reversal + effect.fee_returned + effect.processor_fee_released == amount
        settlements[index] = effect.after
        refunded_total += amount
        # a refund of one co-op order leaves every other co-op order as it was
        for other, (was, now) in enumerate(zip(before, settlements, strict=True)):
            if other != index:
                assert now == was
        assert_books_hold(order, settlements)
        assert sum(settlement.refunded for settlement in settlements) == refunded_total


@settings(deadline=None, max_examples=30)
@given(paid_orders(), st.lists(st.tuples(st.integers(0, 19), st.integers(1, 10**8))))
def test_the_same_cart_and_refunds_always_give_the_same_settlements(order, refunds):
    def run() -> list[Settlement]:
        settlements = initial_settlements(order)
        for index, wish in refunds:
            index %= len(settlements)
            left = settlements[index].total - settlements[index].refunded
            if left:
                settlements[index] = refund_effect(settlements[index], min(wish, left)).after
        return settlements

    assert run() == run()


# -- zero-decimal currencies --------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "line_totals", "shipping", "fees", "payouts"),
    [
        # ¥1,980 at 6 % is ¥118.8 -> ¥119; ¥12,000 fair at 3 % is ¥360; ¥550 at 6 % is ¥33
        ("JPY", [1980, 12000, 550], [500, 0, 300], [119, 360, 33], [2361, 11640, 817]),
        # 4,990 kr at 6 % is 299.4 -> 299; 15,000 kr fair at 3 % is 450
        ("ISK", [4990, 15000], [0, 1200], [299, 450], [4691, 15750]),
    ],
)
def test_zero_decimal_currencies_are_split_as_plain_integers(
    currency, line_totals, shipping, fees, payouts
):
    rule = FeeRule(basis_points=600, fair_basis_points=300)
    fair = [False, True, False]
    settlements = []
    for index, (line_total, ship) in enumerate(zip(line_totals, shipping, strict=True)):
        fee = coop_order_fee([(line_total, rule.rate(fair[index]))], ship, rule)
        settlements.append(settle(line_total + ship, fee, 0, 0))
    assert [s.fee for s in settlements] == fees
    assert [s.payout for s in settlements] == payouts
    # shown in whole yen or krónur: no fraction appears anywhere
    for settlement in settlements:
        shown = Money(settlement.payout, currency).to_decimal()
        assert shown == Decimal(settlement.payout)
        assert shown.as_tuple().exponent == 0
    # a partial refund of one whole unit moves whole units, summing exactly
    effect = refund_effect(settlements[0], 1001)
    assert effect.reversal + effect.fee_returned == 1001
    assert effect.after.payout + effect.after.fee + 1001 == settlements[0].total


@given(
    st.sampled_from(["JPY", "ISK", "KRW"]),
    st.lists(st.integers(1, 10**7), min_size=1, max_size=20),
    st.integers(0, 2000),
    st.data(),
)
def test_zero_decimal_amounts_keep_the_sum_exact_to_the_whole_unit(
    currency, totals, basis_points, data
):
    rule = FeeRule(basis_points=basis_points)
    settlements = [
        settle(total, coop_order_fee([(total, basis_points)], 0, rule), 0, 0) for total in totals
    ]
    index = data.draw(st.integers(0, len(totals) - 1), label="co-op order")
    amount = data.draw(st.integers(1, totals[index]), label="refund")
    settlements[index] = refund_effect(settlements[index], amount).after
    assert sum(s.payout + s.fee for s in settlements) == sum(totals) - amount
    assert all(Money(s.payout, currency).to_decimal() == s.payout for s in settlements)
