"""The double-entry ledger's rules: accounts, and the postings of each money event.

A posting is a signed amount on one account: debits are positive, credits negative.
Every money event is one transaction whose postings sum to zero in each currency;
a balance is only ever the sum of postings, never a stored number.

The federation's books, per order and co-op order:

- `cash`: money the federation holds (its bank account or its Stripe balance).
- `buyer_payments`: received from a buyer and not applied to an order yet (an order
  paid in part waits here until the rest arrives).
- `coop_payable`: owed to a co-op for a co-op order and not transferred yet; below
  zero while a refund waits for its transfer reversal.
- `fee_income`: the federation fee kept.
- `processor_fees`: what the payment processor charged, less what co-ops bear.
- `refunds_payable`: owed back to a buyer (a refund or an over-payment) and not paid yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .split import RefundEffect


class Account(StrEnum):
    CASH = "cash"
    BUYER_PAYMENTS = "buyer_payments"
    COOP_PAYABLE = "coop_payable"
    FEE_INCOME = "fee_income"
    PROCESSOR_FEES = "processor_fees"
    REFUNDS_PAYABLE = "refunds_payable"


class EventKind(StrEnum):
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_APPLIED = "payment_applied"
    OVERPAYMENT = "overpayment"
    FEE = "fee"
    PROCESSOR_FEE = "processor_fee"
    TRANSFER = "transfer"
    PAYOUT = "payout"
    REFUND = "refund"
    REFUND_PAID = "refund_paid"
    TRANSFER_REVERSAL = "transfer_reversal"


class Unbalanced(ValueError):
    """Postings that do not sum to zero: a bug, never written."""


@dataclass(frozen=True)
class Entry:
    """One posting before it is written: debit positive, credit negative."""

    account: Account
    amount: int
    #: the co-op order the money belongs to (and its co-op), where it belongs to one
    coop_order_id: int | None = None
    coop_id: int | None = None


@dataclass(frozen=True)
class CoopPart:
    """A co-op order as the ledger sees it when its order is paid."""

    coop_order_id: int
    coop_id: int
    total: int
    fee: int
    #: the processor fee share the co-op bears (0 when the federation bears it)
    processor_fee: int = 0


def check_balanced(entries: Iterable[tuple[str, int]]) -> None:
    """Unbalanced unless the (currency, amount) pairs sum to zero in each currency."""
    sums: dict[str, int] = defaultdict(int)
    for currency, amount in entries:
        sums[currency] += amount
    if any(sums.values()):
        raise Unbalanced(f"postings do not sum to zero: {dict(sums)}")


def payment_received(amount: int) -> list[Entry]:
    """Money arrived from the buyer (bank transfer or card)."""
    return [Entry(Account.CASH, amount), Entry(Account.BUYER_PAYMENTS, -amount)]


def payment_applied(parts: Sequence[CoopPart]) -> list[Entry]:
    """The order is paid: each co-op order's total becomes owed to its co-op."""
    total = sum(part.total for part in parts)
    return [Entry(Account.BUYER_PAYMENTS, total)] + [
        Entry(Account.COOP_PAYABLE, -part.total, part.coop_order_id, part.coop_id) for part in parts
    ]


def overpayment(amount: int) -> list[Entry]:
    """The buyer paid more than was due: the excess is owed back."""
    return [Entry(Account.BUYER_PAYMENTS, amount), Entry(Account.REFUNDS_PAYABLE, -amount)]


def fee(part: CoopPart) -> list[Entry]:
    """The federation keeps its fee out of what the co-op order brought in."""
    return [
        Entry(Account.COOP_PAYABLE, part.fee, part.coop_order_id, part.coop_id),
        Entry(Account.FEE_INCOME, -part.fee, part.coop_order_id, part.coop_id),
    ]


def processor_fee(amount: int, parts: Sequence[CoopPart]) -> list[Entry]:
    """The processor took `amount` from the payment; co-ops bearing a share are charged it."""
    entries = [Entry(Account.PROCESSOR_FEES, amount), Entry(Account.CASH, -amount)]
    for part in parts:
        if part.processor_fee:
            entries += [
                Entry(Account.COOP_PAYABLE, part.processor_fee, part.coop_order_id, part.coop_id),
                Entry(
                    Account.PROCESSOR_FEES, -part.processor_fee, part.coop_order_id, part.coop_id
                ),
            ]
    return entries


def transfer(amount: int, coop_order_id: int, coop_id: int) -> list[Entry]:
    """Money sent to the co-op for its co-op order (a Stripe transfer or a bank payout)."""
    return [
        Entry(Account.COOP_PAYABLE, amount, coop_order_id, coop_id),
        Entry(Account.CASH, -amount),
    ]


def transfer_reversal(amount: int, coop_order_id: int, coop_id: int) -> list[Entry]:
    """Money taken back from the co-op for a refund of its co-op order."""
    return [
        Entry(Account.CASH, amount),
        Entry(Account.COOP_PAYABLE, -amount, coop_order_id, coop_id),
    ]


def refund(effect: RefundEffect, coop_order_id: int, coop_id: int) -> list[Entry]:
    """A refund decided: owed to the buyer, out of the co-op's payout, the fee and the
    processor fee share the co-op no longer bears."""
    entries = [
        Entry(Account.COOP_PAYABLE, effect.reversal, coop_order_id, coop_id),
        Entry(Account.FEE_INCOME, effect.fee_returned, coop_order_id, coop_id),
        Entry(Account.PROCESSOR_FEES, effect.processor_fee_released, coop_order_id, coop_id),
        Entry(Account.REFUNDS_PAYABLE, -effect.amount, coop_order_id, coop_id),
    ]
    return [entry for entry in entries if entry.amount]


def refund_paid(amount: int, coop_order_id: int | None, coop_id: int | None) -> list[Entry]:
    """The buyer has the refund (the processor's refund succeeded, or the bank refund was sent)."""
    return [
        Entry(Account.REFUNDS_PAYABLE, amount, coop_order_id, coop_id),
        Entry(Account.CASH, -amount),
    ]
