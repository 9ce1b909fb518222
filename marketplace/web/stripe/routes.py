"""Stripe's side of the marketplace: its webhook, and the co-ops' Connect onboarding.

The services are imported inside the views: the `stripe` package loads only in
processes that use it, not with every app.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from ...domain.permissions import Permission
from ...extensions import csrf
from ..helpers import coop_or_404
from . import bp

log = logging.getLogger(__name__)


@bp.post("/payments/stripe/webhook")
@csrf.exempt
def webhook() -> tuple[dict[str, object], int]:
    import stripe

    from ...services import stripe_events, stripe_payments

    if not stripe_payments.configured():
        abort(404)
    try:
        outcome = stripe_events.handle_event(
            request.get_data(), request.headers.get("Stripe-Signature")
        )
    except stripe_events.WebhookRejected as rejected:
        log.warning("stripe webhook rejected: %s", rejected)
        return {"error": "invalid signature or payload"}, 400
    except stripe.StripeError as error:
        # Stripe could not be asked about the event's object: Stripe delivers it again
        log.warning("stripe webhook could not be handled now: %s", error)
        return {"error": "try again later"}, 503
    return {"received": True, "outcome": outcome}, 200


@bp.get("/dashboard/<slug>/stripe/onboard")
def onboard(slug: str) -> object:
    import stripe

    from ...services import stripe_payments

    coop = coop_or_404(slug, Permission.VIEW_COOP_PAYOUTS)
    if not stripe_payments.configured():
        flash(_("Card payments through Stripe are not set up on this marketplace."), "error")
        return redirect(_payouts_url(slug))
    try:
        link = stripe_payments.onboarding_link(
            coop,
            return_url=url_for("stripe.onboarding_return", slug=slug, _external=True),
            refresh_url=url_for("stripe.onboarding_refresh", slug=slug, _external=True),
        )
    except stripe.StripeError as error:
        log.warning("stripe onboarding link for %s failed: %s", slug, error)
        flash(_("Stripe cannot be reached right now. Please try again in a moment."), "error")
        return redirect(_payouts_url(slug))
    return redirect(link, 303)


@bp.get("/dashboard/<slug>/stripe/return")
def onboarding_return(slug: str) -> object:
    return _after_onboarding(slug, expired=False)


@bp.get("/dashboard/<slug>/stripe/refresh")
def onboarding_refresh(slug: str) -> object:
    return _after_onboarding(slug, expired=True)


def _after_onboarding(slug: str, *, expired: bool) -> object:
    """Back from Stripe: read the account again and say where the co-op stands."""
    import stripe

    from ...services import stripe_payments

    coop = coop_or_404(slug, Permission.VIEW_COOP_PAYOUTS)
    if not stripe_payments.configured():
        return redirect(_payouts_url(slug))
    try:
        ready = stripe_payments.refresh_readiness(coop)
    except stripe.StripeError as error:
        log.warning("stripe readiness of %s unknown: %s", slug, error)
        flash(_("Stripe cannot be reached right now. Please try again in a moment."), "error")
        return redirect(_payouts_url(slug))
    if ready:
        flash(_("Your Stripe account is ready: transfers are sent to it."), "success")
    elif expired:
        flash(_("The onboarding link expired. Continue onboarding to finish it."), "info")
    else:
        flash(
            _("Stripe still needs some details before it can send you transfers."),
            "info",
        )
    return redirect(_payouts_url(slug))


def _payouts_url(slug: str) -> str:
    return url_for("dashboard.coop_payouts", slug=slug)
