"""The double-entry ledger's rules: every money event balances, and balances tell the story.

Each builder in `marketplace.domain.ledger` must give postings that sum to zero in
their currency; played out over a random paid order with refunds, transfers and
transfer reversals, the balances per co-op order must match its settlement: what is
still owed to the co-op is its payout less what was transferred, and the fee income is
the fee kept.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.domain.ledger import (
    Account,
    CoopPart,
    Entry,
    Unbalanced,
    check_balanced,
    fee,
    overpayment,
    payment_applied,
    payment_received,
    processor_fee,
    refund,
    refund_paid,
    transfer,
    transfer_reversal,
)
from marketplace.domain.split import Settlement, refund_effect, settle

currencies = st.sampled_from(["EUR", "SEK", "GBP", "JPY", "ISK"])
amounts = st.integers(0, 10**12)


def balanced(entries: list[Entry], currency: str) -> None:
    check_balanced((currency, entry.amount) for entry in entries)


# -- check_balanced ------------------------------------------------------------------------


def test_check_balanced_accepts_postings_that_sum_to_zero():
    check_balanced([("EUR", 500), ("EUR", -300), ("EUR", -200)])
    check_balanced([])


def test_check_balanced_accepts_mixed_currencies_each_summing_to_zero():
    check_balanced([("EUR", 500), ("JPY", 7000), ("EUR", -500), ("JPY", -6999), ("JPY", -1)])


@pytest.mark.parametrize(
    "postings",
    [
        [("EUR", 1)],
        [("EUR", 500), ("EUR", -499)],
        [("EUR", 500), ("SEK", -500)],  # zero overall, but not in each currency
        [("EUR", 0), ("SEK", 3), ("SEK", -2)],
    ],
)
def test_check_balanced_refuses_postings_that_do_not_sum_to_zero(postings):
    with pytest.raises(Unbalanced):
        check_balanced(postings)


# -- each builder balances -----------------------------------------------------------------


@st.composite
def coop_parts(draw, coop_order_id=1, coop_id=101):
    total = draw(st.integers(0, 10**9))
    fee_amount = draw(st.integers(0, total))
    return CoopPart(
        coop_order_id=coop_order_id,
        coop_id=coop_id,
        total=total,
        fee=fee_amount,
        processor_fee=draw(st.integers(0, total - fee_amount)),
    )


@st.composite
def parts_of_an_order(draw):
    """1 to 20 co-op orders of one order, each of another co-op."""
    size = draw(st.integers(1, 20))
    return [draw(coop_parts(coop_order_id=i + 1, coop_id=100 + i)) for i in range(size)]


@given(currencies, amounts)
def test_a_payment_received_balances(currency, amount):
    entries = payment_received(amount)
    balanced(entries, currency)
    assert {entry.account for entry in entries} == {Account.CASH, Account.BUYER_PAYMENTS}


@given(currencies, amounts)
def test_an_overpayment_balances(currency, amount):
    balanced(overpayment(amount), currency)


@given(currencies, parts_of_an_order())
def test_applying_a_payment_balances_and_owes_each_co_op_its_own_total(currency, parts):
    entries = payment_applied(parts)
    balanced(entries, currency)
    owed = {e.coop_order_id: -e.amount for e in entries if e.account == Account.COOP_PAYABLE}
    assert owed == {part.coop_order_id: part.total for part in parts}


@given(currencies, coop_parts())
def test_a_fee_balances_and_belongs_to_its_co_op_order(currency, part):
    entries = fee(part)
    balanced(entries, currency)
    assert {(e.coop_order_id, e.coop_id) for e in entries} == {(part.coop_order_id, part.coop_id)}


@given(currencies, parts_of_an_order(), st.integers(0, 10**6))
def test_a_processor_fee_balances_whoever_bears_it(currency, parts, federation_share):
    amount = sum(part.processor_fee for part in parts) + federation_share
    entries = processor_fee(amount, parts)
    balanced(entries, currency)
    charged = {
        e.coop_order_id: e.amount
        for e in entries
        if e.account == Account.COOP_PAYABLE and e.coop_order_id is not None
    }
    assert charged == {p.coop_order_id: p.processor_fee for p in parts if p.processor_fee}


@given(currencies, amounts, st.integers(1, 10**6), st.integers(1, 10**6))
def test_a_transfer_and_its_reversal_balance(currency, amount, coop_order_id, coop_id):
    balanced(transfer(amount, coop_order_id, coop_id), currency)
    balanced(transfer_reversal(amount, coop_order_id, coop_id), currency)
    balanced(transfer(amount, coop_order_id, coop_id) + transfer_reversal(amount, 1, 2), currency)


@given(currencies, amounts, st.one_of(st.none(), st.integers(1, 10**6)))
def test_a_refund_paid_balances(currency, amount, coop_order_id):
    coop_id = None if coop_order_id is None else coop_order_id + 1
    balanced(refund_paid(amount, coop_order_id, coop_id), currency)


@given(currencies, coop_parts(), st.data())
def test_a_refund_balances_and_touches_only_its_own_co_op_order(currency, part, data):
    if not part.total:
        return
    before = settle(part.total, part.fee, part.processor_fee, 0)
    effect = refund_effect(before, data.draw(st.integers(1, part.total), label="amount"))
    entries = refund(effect, part.coop_order_id, part.coop_id)
    balanced(entries, currency)
    assert all(entry.amount for entry in entries)
    assert {(e.coop_order_id, e.coop_id) for e in entries} == {(part.coop_order_id, part.coop_id)}
    owed_back = [e.amount for e in entries if e.account == Account.REFUNDS_PAYABLE]
    assert owed_back == [-effect.amount]


def test_a_refund_without_fee_or_processor_fee_drops_their_zero_postings():
    effect = refund_effect(settle(10000, 0, 0, 0), 100)
    assert refund(effect, 7, 3) == [
        Entry(Account.COOP_PAYABLE, 100, 7, 3),
        Entry(Account.REFUNDS_PAYABLE, -100, 7, 3),
    ]


def test_a_refund_posts_the_reversal_the_fee_and_the_processor_fee_it_moves():
    effect = refund_effect(settle(10000, 600, 175, 0), 2500)
    assert refund(effect, 7, 3) == [
        Entry(Account.COOP_PAYABLE, 2306, 7, 3),
        Entry(Account.FEE_INCOME, 150, 7, 3),
        Entry(Account.PROCESSOR_FEES, 44, 7, 3),
        Entry(Account.REFUNDS_PAYABLE, -2500, 7, 3),
    ]


# -- a whole order played out --------------------------------------------------------------


@dataclass
class Books:
    """The postings of one order, and what the test expects of them."""

    currency: str
    balances: dict[tuple[Account, int | None], int] = field(
        default_factory=lambda: defaultdict(int)
    )

    def post(self, entries: list[Entry]) -> None:
        balanced(entries, self.currency)
        for entry in entries:
            self.balances[entry.account, entry.coop_order_id] += entry.amount

    def total(self, account: Account) -> int:
        return sum(amount for (acc, _), amount in self.balances.items() if acc == account)


@settings(deadline=None)
@given(currencies, parts_of_an_order(), st.integers(0, 10**6), st.integers(0, 10**4), st.data())
def test_balances_per_co_op_order_match_its_settlement_through_refunds_transfers_and_reversals(
    currency, parts, federation_processor_fee, overpaid, data
):
    books = Books(currency)
    due = sum(part.total for part in parts)
    paid = due + overpaid
    charged = sum(part.processor_fee for part in parts) + federation_processor_fee
    # the buyer pays in one or two instalments; the order is paid once all arrived
    first = data.draw(st.integers(0, paid), label="first instalment")
    books.post(payment_received(first))
    if paid - first:
        books.post(payment_received(paid - first))
    books.post(payment_applied(parts))
    if overpaid:
        books.post(overpayment(overpaid))
    for part in parts:
        books.post(fee(part))
    books.post(processor_fee(charged, parts))

    settlements: dict[int, Settlement] = {
        part.coop_order_id: settle(part.total, part.fee, part.processor_fee, 0) for part in parts
    }
    coop_of = {part.coop_order_id: part.coop_id for part in parts}
    transferred = dict.fromkeys(settlements, 0)
    refunds_due = [(None, overpaid)] if overpaid else []
    refunds_paid = 0

    def check() -> None:
        for coop_order_id, settlement in settlements.items():
            owed = -books.balances[Account.COOP_PAYABLE, coop_order_id]
            assert owed == settlement.payout - transferred[coop_order_id]
            assert -books.balances[Account.FEE_INCOME, coop_order_id] == settlement.fee
            assert -books.balances[Account.PROCESSOR_FEES, coop_order_id] == (
                settlement.processor_fee
            )
        refunded = sum(s.refunded for s in settlements.values())
        assert books.total(Account.BUYER_PAYMENTS) == 0
        assert books.total(Account.CASH) == paid - charged - sum(transferred.values()) - (
            refunds_paid
        )
        assert -books.total(Account.REFUNDS_PAYABLE) == overpaid + refunded - refunds_paid
        assert sum(books.balances.values()) == 0

    check()
    operations = st.sampled_from(["refund", "transfer", "reversal", "refund paid"])
    for _ in range(data.draw(st.integers(0, 25), label="events")):
        operation = data.draw(operations, label="event")
        coop_order_id = data.draw(st.sampled_from(sorted(settlements)), label="co-op order")
        coop_id = coop_of[coop_order_id]
        owed = -books.balances[Account.COOP_PAYABLE, coop_order_id]
        if operation == "refund":
            settlement = settlements[coop_order_id]
            left = settlement.total - settlement.refunded
            if not left:
                continue
            effect = refund_effect(settlement, data.draw(st.integers(1, left), label="amount"))
            others = {k: v for k, v in books.balances.items() if k[1] != coop_order_id}
            books.post(refund(effect, coop_order_id, coop_id))
            # nothing of any other co-op order, nor of the order as a whole, moved
            assert {k: v for k, v in books.balances.items() if k[1] != coop_order_id} == others
            settlements[coop_order_id] = effect.after
            refunds_due.append((coop_order_id, effect.amount))
        elif operation == "transfer" and owed > 0:
            books.post(transfer(owed, coop_order_id, coop_id))
            transferred[coop_order_id] += owed
        elif operation == "reversal" and owed < 0:
            # the co-op was sent more than it keeps now: take the difference back
            assert -owed <= transferred[coop_order_id]
            books.post(transfer_reversal(-owed, coop_order_id, coop_id))
            transferred[coop_order_id] += owed
        elif operation == "refund paid" and refunds_due:
            refund_coop_order_id, amount = refunds_due.pop(0)
            refund_coop_id = None if refund_coop_order_id is None else coop_of[refund_coop_order_id]
            books.post(refund_paid(amount, refund_coop_order_id, refund_coop_id))
            refunds_paid += amount
        check()
