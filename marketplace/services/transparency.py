"""Where a buyer's money goes: the federation fee on one listing, from the checkout's own rule.

The listing page shows what the co-op keeps and what funds the federation for one unit
bought on its own, computed with the same fee rule and the same fair-trade test as
checkout (`domain.fees.coop_order_fee` under the policy in force), so the page never
promises a fee the order then does not charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from ..domain.fees import NO_FEE, FeeRule, coop_order_fee
from ..extensions import db
from ..models import Listing, Proposal, ProposalKind
from . import labels
from .governance import current_fee_policy

#: the label whose verified claim earns a line the policy's fair rate
FAIR_TRADE_LABEL = "fair-trade"


@dataclass(frozen=True)
class MoneyGoes:
    """The split of one unit's price between the co-op and the federation."""

    #: the listing's gross price, in minor units of `currency`
    price: int
    currency: str
    coop_name: str
    #: what the federation keeps of `price`
    fee: int
    #: what the co-op keeps of `price`
    coop_keeps: int
    #: the rate this listing is charged (the fair rate when `fair`), in basis points
    rate_bp: int
    #: the listing carries a verified fair-trade label (its own or its co-op's)
    fair: bool
    #: the policy's usual rate, and its lower fair-trade rate if it has one
    normal_rate_bp: int
    fair_rate_bp: int | None
    #: the policy's fee limits per co-op order, in minor units; None: no limit
    minimum: int | None
    maximum: int | None
    #: a fee policy has been adopted by the member co-ops
    adopted: bool
    #: the vote that adopted the policy in force, when there was one
    proposal_id: int | None
    #: which limit set the fee for one unit, when the rate alone did not
    limited_by: Literal["minimum", "maximum", "price"] | None


def current_fee_rule() -> tuple[FeeRule, int | None]:
    """The fee rule in force and its policy's id; no fee (and None) until one is adopted."""
    policy = current_fee_policy()
    if policy is None:
        return NO_FEE, None
    rule = FeeRule(
        policy.basis_points, policy.fair_basis_points, policy.minimum_fee, policy.maximum_fee
    )
    return rule, policy.id


def is_fair(verified: list[labels.VerifiedLabel]) -> bool:
    """Whether these verified labels earn the fair rate (the test checkout applies)."""
    return any(label.slug == FAIR_TRADE_LABEL for label in verified)


def money_goes(listing: Listing, verified: list[labels.VerifiedLabel] | None = None) -> MoneyGoes:
    """What the co-op keeps and the federation's fee on one unit of `listing`.

    `verified` are the listing's verified labels when the caller has them already.
    """
    rule, policy_id = current_fee_rule()
    fair = is_fair(labels.for_listing(listing) if verified is None else verified)
    rate = rule.rate(fair)
    price = listing.price_amount
    fee = coop_order_fee([(price, rate)], 0, rule)
    return MoneyGoes(
        price=price,
        currency=listing.currency,
        coop_name=listing.coop.name,
        fee=fee,
        coop_keeps=price - fee,
        rate_bp=rate,
        fair=fair,
        normal_rate_bp=rule.basis_points,
        fair_rate_bp=rule.fair_basis_points,
        minimum=rule.minimum,
        maximum=rule.maximum,
        adopted=policy_id is not None,
        proposal_id=_adopting_proposal(policy_id),
        limited_by=_limited_by(price, rate, fee, rule),
    )


def _limited_by(
    price: int, rate: int, fee: int, rule: FeeRule
) -> Literal["minimum", "maximum", "price"] | None:
    by_rate = coop_order_fee([(price, rate)], 0, FeeRule(rate))
    if fee == by_rate:
        return None
    if rule.maximum is not None and fee == rule.maximum and fee < by_rate:
        return "maximum"
    if rule.minimum is not None and fee == rule.minimum:
        return "minimum"
    return "price"  # a minimum above the price: the fee is held to the price


def _adopting_proposal(policy_id: int | None) -> int | None:
    if policy_id is None:
        return None
    return db.session.scalar(
        select(Proposal.id)
        .where(Proposal.kind == ProposalKind.FEE_POLICY, Proposal.fee_policy_id == policy_id)
        .order_by(Proposal.id.desc())
        .limit(1)
    )
