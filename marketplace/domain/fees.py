"""The federation fee on a co-op order, under the fee policy the member co-ops adopted.

The fee is charged on the goods and services sold (the lines), not on shipping, which
only passes through. Each line is charged at the policy's rate, or at the lower fair
rate when it carries a verified fair-trade label. The exact fee of all lines together
is rounded once, half up, to the minor unit; then the policy's minimum and maximum per
co-op order apply; a fee never exceeds what the co-op order is worth.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FeeRule:
    #: 600 = 6 %
    basis_points: int
    #: the rate for lines with a verified fair-trade label; None: no lower rate
    fair_basis_points: int | None = None
    minimum: int | None = None
    maximum: int | None = None

    def rate(self, fair: bool) -> int:
        """The rate of one line, in basis points."""
        if fair and self.fair_basis_points is not None:
            return min(self.fair_basis_points, self.basis_points)
        return self.basis_points


#: what applies when no fee policy has been adopted yet
NO_FEE = FeeRule(basis_points=0)


def coop_order_fee(lines: list[tuple[int, int]], shipping: int, rule: FeeRule) -> int:
    """The fee on a co-op order from its lines as (total, rate in basis points).

    Rounded half up once over all lines, then held within the policy's minimum and
    maximum and within the co-op order's total (lines plus shipping).
    """
    if any(total < 0 for total, _rate in lines) or shipping < 0:
        raise ValueError("amounts must not be negative")
    if any(not 0 <= rate <= 10000 for _total, rate in lines):
        raise ValueError("a rate is between 0 and 10000 basis points")
    numerator = sum(total * rate for total, rate in lines)
    fee = (2 * numerator + 10000) // 20000
    if rule.minimum is not None:
        fee = max(fee, rule.minimum)
    if rule.maximum is not None:
        fee = min(fee, rule.maximum)
    order_total = sum(total for total, _rate in lines) + shipping
    return min(fee, order_total)
