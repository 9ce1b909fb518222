"""A co-op's payouts in its dashboard: what it was paid and is owed, and how it gets paid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, url_for

from ...authz import can
from ...domain.permissions import Permission
from ...i18n import money_of
from ...models import Coop, Transfer, TransferReversal, TransferStatus
from ...services import transfers as payouts
from ..helpers import coop_or_404
from . import bp

#: the Stripe Connect onboarding (web/stripe): the page links to it when it exists
ONBOARD_ENDPOINTS = ("stripe.onboard", "dashboard.stripe_onboard")


@dataclass
class PayoutTotals:
    """A co-op's money in one currency, from its transfers and reversals."""

    #: sent to the co-op
    paid_out: int = 0
    #: owed to the co-op, not sent yet
    pending: int = 0
    #: taken back from what was sent, for refunds
    taken_back: int = 0
    #: still to be taken back for refunds (from the next payout, or from Stripe)
    owed_back: int = 0


@bp.app_context_processor
def _payout_helpers() -> dict[str, Any]:
    return {"can_view_payouts": lambda coop: can(Permission.VIEW_COOP_PAYOUTS, coop)}


@bp.get("/dashboard/<slug>/payouts")
def coop_payouts(slug: str) -> str:
    coop = coop_or_404(slug, Permission.VIEW_COOP_PAYOUTS)
    sent, reversals = payouts.coop_transfers(coop)
    return render_template(
        "dashboard/payouts.html",
        coop=coop,
        transfers=sent,
        reversals=reversals,
        totals=totals(sent, reversals),
        bank_payouts=payouts.pending_bank_payouts(coop),
        stripe_mode=bool(current_app.config.get("STRIPE_SECRET_KEY")),
        onboard=_onboard_action(coop),
        amount=money_of,
    )


def totals(
    sent: Sequence[Transfer], reversals: Sequence[TransferReversal]
) -> dict[str, PayoutTotals]:
    """Currency -> what the co-op was paid, is owed, and gave back, in that currency."""
    found: dict[str, PayoutTotals] = {}
    for transfer in sent:
        sums = found.setdefault(transfer.currency, PayoutTotals())
        if transfer.status is TransferStatus.PAID:
            sums.paid_out += transfer.amount
        else:
            sums.pending += transfer.amount
    for reversal in reversals:
        sums = found.setdefault(reversal.transfer.currency, PayoutTotals())
        if reversal.status is TransferStatus.PAID:
            sums.taken_back += reversal.amount
        else:
            sums.owed_back += reversal.amount
    return dict(sorted(found.items()))


def _onboard_action(coop: Coop) -> tuple[str, str] | None:
    """(url, method) of the Stripe onboarding, when Stripe is on and the route exists."""
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        return None
    endpoint = next((e for e in ONBOARD_ENDPOINTS if e in current_app.view_functions), None)
    if endpoint is None:
        return None
    rule = next(current_app.url_map.iter_rules(endpoint))
    method = "post" if "POST" in (rule.methods or ()) else "get"
    return url_for(endpoint, slug=coop.slug), method
