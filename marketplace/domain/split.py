"""Splitting money exactly: shares by largest remainder, and what each party keeps after refunds.

Every amount is an integer of the currency's minor unit. `split` hands out a total in
proportion to weights so that the shares add up to the total exactly: each share is
first rounded down, then the units left over go one each to the largest remainders,
ties to the earlier weight (a deterministic tie-break: the same input always gives
the same shares).

A co-op order's money after refunds (`settle`) is split in two steps of two parties
each, so that a refund can only lower what each party keeps, never raise it:
first what is left (total less refunds) between the federation's part (fee plus the
processor fee the co-op bears) and the co-op's payout, then that part between the fee
and the processor fee. Two-party largest remainder is rounding half towards the first
party, which grows by 0 or 1 unit for each unit more to share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SplitError(ValueError):
    """Amounts or weights that cannot be split."""


def split(total: int, weights: Sequence[int]) -> list[int]:
    """`total` shared in proportion to `weights`, summing to `total` exactly."""
    if total < 0:
        raise SplitError("the total must not be negative")
    if not weights:
        raise SplitError("there must be at least one share")
    if any(w < 0 for w in weights):
        raise SplitError("weights must not be negative")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise SplitError("cannot share an amount by weights that are all zero")
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    # largest remainder first; equal remainders: the earlier share first
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


@dataclass(frozen=True)
class Settlement:
    """Where a co-op order's money stands after the refunds so far.

    `payout + fee + processor_fee + refunded == total`, every part zero or more.
    """

    total: int
    #: what the federation keeps
    fee: int
    #: the payment processor's fee that the co-op bears (0 when the federation bears it)
    processor_fee: int
    #: what the co-op keeps
    payout: int
    #: what went back to the buyer
    refunded: int
    #: the fee and the processor fee share as set when the order was paid, before refunds
    agreed_fee: int
    agreed_processor_fee: int


def settle(total: int, fee: int, processor_fee: int, refunded: int) -> Settlement:
    """A co-op order of `total` with its fee and processor fee share, after `refunded` went back."""
    if min(total, fee, processor_fee, refunded) < 0:
        raise SplitError("amounts must not be negative")
    if fee + processor_fee > total:
        raise SplitError("the fees exceed the co-op order's total")
    if refunded > total:
        raise SplitError("more refunded than was paid")
    left = total - refunded
    federation_part, payout = split(left, [fee + processor_fee, total - fee - processor_fee])
    kept_fee, kept_processor_fee = split(federation_part, [fee, processor_fee])
    return Settlement(total, kept_fee, kept_processor_fee, payout, refunded, fee, processor_fee)


@dataclass(frozen=True)
class RefundEffect:
    """What one refund moves: `amount == reversal + fee_returned + processor_fee_released`."""

    amount: int
    #: taken back from the co-op's payout (a transfer reversal once it was transferred)
    reversal: int
    #: the federation fee returned with it
    fee_returned: int
    #: the processor fee share the co-op no longer bears (the federation bears it now)
    processor_fee_released: int
    after: Settlement


def refund_effect(before: Settlement, amount: int) -> RefundEffect:
    """The effect of refunding `amount` more on a co-op order settled as `before`."""
    if amount <= 0:
        raise SplitError("a refund is more than zero")
    if amount > before.total - before.refunded:
        raise SplitError("cannot refund more than is left")
    after = settle(
        before.total, before.agreed_fee, before.agreed_processor_fee, before.refunded + amount
    )
    return RefundEffect(
        amount,
        before.payout - after.payout,
        before.fee - after.fee,
        before.processor_fee - after.processor_fee,
        after,
    )


def allocate(amount: int, totals: Sequence[int], caps: Sequence[int]) -> list[int]:
    """`amount` shared by `totals` (largest remainder), each share held to its cap.

    What a cap cuts off is not passed on: the caller bears it (the federation, for a
    processor fee a small co-op order cannot carry). Returns the shares.
    """
    if len(totals) != len(caps):
        raise SplitError("one cap per share")
    return [min(share, cap) for share, cap in zip(split(amount, totals), caps, strict=True)]
